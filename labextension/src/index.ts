/**
 * cnnmath-rise-widgets: what the CNN math course needs from its front ends beyond stock JupyterLab.
 *
 * 1. ipywidgets in jupyterlab-rise slideshows. The widget manager of ipywidgets 8
 *    (@jupyter-widgets/jupyterlab-manager) imports @jupyterlab/console for its optional console
 *    tracker. JupyterLab and Notebook 7 provide that package; the slideshow page of jupyterlab-rise
 *    0.43 does not, so there the widget manager cannot load and every widget stays blank. This
 *    extension lists @jupyterlab/console as a shared singleton with a bundled fallback (package.json,
 *    "sharedPackages"): a page that has the package keeps its own copy (a newer version wins the
 *    singleton), and a page that lacks it gets this extension's copy of the real package.
 *
 * 2. Arrow keys on a focused ipywidgets slider. See `sliderKeys` below.
 *
 * 3. Accessible names (docs/accessibility.md). See `accessibleNames` below: figures get the alt text
 *    that the output's metadata carries, an explorer's picture (an ipywidgets Image) gets the text its
 *    tooltip carries as alt instead of a hover title, ipywidgets slider handles are named by their
 *    visible label, Play buttons by their icon.
 */
import { JupyterFrontEndPlugin } from '@jupyterlab/application';
import { IRenderMime, IRenderMimeRegistry } from '@jupyterlab/rendermime';

// Importing the token is what puts @jupyterlab/console into this extension's build, and so into the
// share scope of a page that lacks it (the build only provides shared packages its code imports).
// JupyterLab ignores named exports of an extension module; this one is there for that reason only.
export { IConsoleTracker } from '@jupyterlab/console';

/**
 * The keys that a focused ipywidgets slider handle (noUiSlider) acts on.
 */
const SLIDER_KEYS: ReadonlySet<string> = new Set([
  'ArrowLeft',
  'ArrowRight',
  'ArrowUp',
  'ArrowDown',
  'PageUp',
  'PageDown',
  'Home',
  'End'
]);

/**
 * Whether a keydown event is one that a focused ipywidgets slider handle should get.
 */
export function isWidgetSliderKey(event: KeyboardEvent): boolean {
  const target = event.target;
  return (
    SLIDER_KEYS.has(event.key) &&
    !event.altKey &&
    !event.ctrlKey &&
    !event.metaKey &&
    target instanceof Element &&
    target.getAttribute('role') === 'slider' &&
    target.closest('.jupyter-widgets') !== null
  );
}

/**
 * Arrow, Page and Home/End keys step a focused ipywidgets slider in every front end.
 *
 * JupyterLab handles its keyboard shortcuts as the keydown event bubbles up to the document, after the
 * slider's own handler has used the key and marked it handled (defaultPrevented), so its notebook
 * shortcuts leave the key alone. Notebook 7 handles shortcuts while the event travels down to the
 * slider (capture phase on the document): Up/Down move to another cell and the slider never sees the
 * keys. In a jupyterlab-rise slideshow reveal.js also turns the slide on Left/Right, listening on the
 * document as the event bubbles.
 *
 * So, while an ipywidgets slider handle has the focus, this plugin marks its keys as handled on the
 * window before any shortcut handler sees them (Lumino's command registry skips handled events), and
 * in a slideshow stops them on their way back up at the body, after the slider has used them and
 * before reveal.js sees them. The slider itself still gets every key; other keys and other elements
 * are left alone.
 */
const sliderKeys: JupyterFrontEndPlugin<void> = {
  id: 'cnnmath-rise-widgets:slider-keys',
  description:
    'Arrow, Page and Home/End keys step a focused ipywidgets slider instead of moving to another cell or slide.',
  autoStart: true,
  activate: (): void => {
    window.addEventListener(
      'keydown',
      event => {
        if (isWidgetSliderKey(event)) {
          event.preventDefault();
        }
      },
      true
    );
    document.body.addEventListener('keydown', event => {
      if (
        isWidgetSliderKey(event) &&
        (event.target as Element).closest('.reveal') !== null
      ) {
        event.stopPropagation();
      }
    });
  }
};

/** The image types whose renderers get the alt text from the output metadata. */
const ALT_IMAGE_TYPES: ReadonlyArray<string> = ['image/png', 'image/jpeg', 'image/gif'];

/** The accessible name of an ipywidgets Play button, by its Font Awesome icon class. */
const PLAY_ICON_NAMES: { readonly [icon: string]: string } = {
  'fa-play': 'play',
  'fa-pause': 'pause',
  'fa-stop': 'stop',
  'fa-retweet': 'repeat'
};

/**
 * The alt text that an output's metadata gives its image of type `mime`: `{"image/png": {"alt": ...}}`
 * first, else a top-level `{"alt": ...}` (what IPython.display.Image(metadata=...) writes); '' if none.
 */
export function altOf(metadata: IRenderMime.IMimeModel['metadata'], mime: string): string {
  const own = metadata[mime] as { alt?: unknown } | undefined;
  if (own && typeof own === 'object' && typeof own.alt === 'string') {
    return own.alt;
  }
  const top = metadata['alt'];
  return typeof top === 'string' ? top : '';
}

/**
 * Wrap the registry's image renderers so that each rendered <img> gets the alt text from the output's
 * metadata. Stock JupyterLab reads only width, height and `unconfined` from there.
 */
function altFromMetadata(rendermime: IRenderMimeRegistry): void {
  for (const mime of ALT_IMAGE_TYPES) {
    const base = rendermime.getFactory(mime);
    if (!base) {
      continue;
    }
    rendermime.addFactory(
      {
        safe: base.safe,
        defaultRank: base.defaultRank,
        mimeTypes: [mime],
        createRenderer: (options: IRenderMime.IRendererOptions) => {
          const renderer = base.createRenderer(options);
          const renderModel = renderer.renderModel.bind(renderer);
          renderer.renderModel = async (model: IRenderMime.IMimeModel): Promise<void> => {
            await renderModel(model);
            const alt = altOf(model.metadata, mime);
            const img = renderer.node.querySelector('img');
            if (img && alt) {
              img.setAttribute('alt', alt);
            }
          };
          return renderer;
        }
      },
      rendermime.getRank(mime)
    );
  }
}

let labelCount = 0;

/**
 * Name every ipywidgets slider handle after its slider's visible description (aria-labelledby), and
 * every Play button after its icon (aria-label). An ipywidgets Image whose tooltip (rendered as `title`)
 * carries its text alternative gets it as `alt` instead: a screen reader reads either, but a title also
 * pops up over the picture for every mouse that rests on it. Only changes attributes that differ.
 */
export function nameControls(root: ParentNode): void {
  root.querySelectorAll('img.widget-image[title]').forEach(img => {
    const text = img.getAttribute('title');
    if (text) {
      img.setAttribute('alt', text);
      img.removeAttribute('title');
    }
  });
  root.querySelectorAll('.widget-slider').forEach(box => {
    const label = box.querySelector(':scope > .widget-label');
    if (!label || !label.textContent || !label.textContent.trim()) {
      return;
    }
    if (!label.id) {
      label.id = `cnnmath-widget-label-${++labelCount}`;
    }
    box.querySelectorAll('[role="slider"]').forEach(handle => {
      if (handle.getAttribute('aria-labelledby') !== label.id) {
        handle.setAttribute('aria-labelledby', label.id);
      }
    });
  });
  root.querySelectorAll('.widget-play').forEach(play => {
    play.querySelectorAll(':scope > button').forEach(button => {
      const icon = button.querySelector('i');
      const key = icon
        ? Object.keys(PLAY_ICON_NAMES).find(name => icon.classList.contains(name))
        : undefined;
      if (key && button.getAttribute('aria-label') !== PLAY_ICON_NAMES[key]) {
        button.setAttribute('aria-label', PLAY_ICON_NAMES[key]);
      }
    });
  });
}

/**
 * Accessible names for what the course shows (WCAG 2.1 A/AA, checked by tests/browser/test_axe.py):
 * figure alt text from the output metadata, slider handle and Play button names.
 */
const accessibleNames: JupyterFrontEndPlugin<void> = {
  id: 'cnnmath-rise-widgets:accessible-names',
  description:
    'Figures get their alt text from the output metadata or their tooltip; slider handles and Play buttons get accessible names.',
  autoStart: true,
  requires: [IRenderMimeRegistry],
  activate: (_app, rendermime: IRenderMimeRegistry): void => {
    // Before any document opens: notebook panels, and the widget manager's Output, clone this registry.
    altFromMetadata(rendermime);
    nameControls(document.body);
    // ipywidgets builds and rebuilds its views at any time; the play/pause icon changes on every press;
    // an explorer's picture gets a new title with every new picture.
    new MutationObserver(() => nameControls(document.body)).observe(document.body, {
      childList: true,
      subtree: true,
      attributes: true,
      attributeFilter: ['class', 'title']
    });
  }
};

export default [sliderKeys, accessibleNames];
