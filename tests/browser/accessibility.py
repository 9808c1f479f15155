"""axe-core (from the PyPI package axe-playwright-python) over what a lesson shows in JupyterLab.

``audit(page, scope)`` runs axe-core's WCAG 2.0 and 2.1 level A and AA rules over the elements the CSS
``scope`` selects (by default every cell's output area, the course's own figures, widgets and printed text;
JupyterLab's menus and panels are not the course's to fix) and returns the violations, one entry per
failing node. ``record(key, nodes)`` merges the per-rule node counts into test-artifacts/accessibility.json.
"""

from __future__ import annotations

import collections
import json
import time
from pathlib import Path

from .harness import ARTIFACTS

ACCESSIBILITY_FILE = ARTIFACTS / "accessibility.json"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
OUTPUT_AREAS = ".jp-OutputArea-output"

_AXE_READY = "() => typeof window.axe === 'object' && typeof window.axe.run === 'function'"

# axe.run over every element the selector matches (each one a context of its own, so a node is never
# counted twice); only the WCAG A/AA rules, only violations. Returns [{rule, impact, target, html, summary}].
_JS_AXE_RUN = """async ([selector, tags]) => {
    const roots = Array.from(document.querySelectorAll(selector));
    if (!roots.length) return {roots: 0, nodes: []};
    const results = await window.axe.run({include: roots}, {
        runOnly: {type: 'tag', values: tags},
        resultTypes: ['violations'],
        elementRef: true,
    });
    // a number per failing element, the same in every audit of this page: a slideshow audited slide
    // by slide counts each element once
    window.__cnnmathAxeIds = window.__cnnmathAxeIds || new WeakMap();
    window.__cnnmathAxeNext = window.__cnnmathAxeNext || 0;
    const nodes = [];
    for (const violation of results.violations) {
        for (const node of violation.nodes) {
            const ids = window.__cnnmathAxeIds;
            if (node.element && !ids.has(node.element)) ids.set(node.element, window.__cnnmathAxeNext++);
            nodes.push({rule: violation.id, element: node.element ? ids.get(node.element) : null,
                        impact: node.impact || violation.impact,
                        target: node.target.join(' '), html: node.html.slice(0, 200),
                        summary: (node.failureSummary || '').replace(/\\s+/g, ' ').slice(0, 300)});
        }
    }
    return {roots: roots.length, nodes, version: window.axe.version};
}"""


def _inject(page) -> None:
    from axe_playwright_python.base import AXE_SCRIPT

    if not page.evaluate(_AXE_READY):
        page.evaluate(AXE_SCRIPT)


def audit(page, scope: str = OUTPUT_AREAS) -> tuple[int, list[dict]]:
    """(how many elements ``scope`` matched, the failing nodes of axe's WCAG 2.0/2.1 A and AA rules)."""
    _inject(page)
    result = page.evaluate(_JS_AXE_RUN, [scope, WCAG_TAGS])
    return result["roots"], result["nodes"]


def by_rule(nodes: list[dict]) -> dict[str, int]:
    return dict(sorted(collections.Counter(node["rule"] for node in nodes).items()))


def describe(nodes: list[dict], limit: int = 40) -> str:
    lines = [f"{len(nodes)} failing node(s): {by_rule(nodes)}"]
    lines += [f"  {n['rule']} ({n['impact']}): {n['target']}\n      {n['html']}\n      {n['summary']}"
              for n in nodes[:limit]]
    return "\n".join(lines)


def record(key: str, roots: int, nodes: list[dict], path: Path = ACCESSIBILITY_FILE) -> None:
    """Merge ``key``'s counts into test-artifacts/accessibility.json, under a lock (xdist workers)."""
    import fcntl

    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError):
            data = {}
        data.setdefault("rules", "axe-core, tags " + ", ".join(WCAG_TAGS))
        data.setdefault("audits", {})[key] = {
            "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "scope_elements": roots,
            "violating_nodes": len(nodes),
            "by_rule": by_rule(nodes),
        }
        data["audits"] = dict(sorted(data["audits"].items()))
        path.write_text(json.dumps(data, indent=1) + "\n")
