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
 */
import { JupyterFrontEndPlugin } from '@jupyterlab/application';

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

export default [sliderKeys];
