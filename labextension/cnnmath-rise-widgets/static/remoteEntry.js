/*
 * cnnmath-rise-widgets: makes ipywidgets work in jupyterlab-rise slideshows.
 *
 * The widget manager of ipywidgets 8 (@jupyter-widgets/jupyterlab-manager) asks the page's shared-module
 * scope for @jupyterlab/console, only to look up the optional IConsoleTracker token. JupyterLab provides
 * that package; the standalone slideshow page of jupyterlab-rise 0.43 does not, so the widget manager
 * fails to load there and every widget stays blank (jupyterlab-contrib/rise issue 119).
 *
 * This hand-written module-federation container adds a stand-in @jupyterlab/console to the shared scope,
 * but only on a page that has none. The stand-in exports a token that no plugin provides, so the widget
 * manager's optional console tracker is simply absent. In JupyterLab itself nothing changes.
 *
 * Its one plugin gives the arrow keys back to a focused slider inside a slideshow. There, reveal.js
 * turns the slide on Left/Right and the notebook moves the active cell on Up/Down (and Home/End), so a slider could not
 * be stepped from the keyboard as it can in JupyterLab. While a slider handle has focus, the plugin marks
 * those keys as handled before the notebook's shortcuts see them (they skip handled events) and stops
 * them on their way back up before reveal.js sees them; the slider itself still gets every key.
 */
(function () {
  'use strict';
  var NAME = 'cnnmath-rise-widgets';
  var CONSOLE = '@jupyterlab/console';

  var standIn = {
    IConsoleTracker: {
      name: CONSOLE + ':IConsoleTracker',
      description: 'Not available in a slideshow (stand-in from ' + NAME + ').'
    }
  };

  // Register under the version of the page's own JupyterLab packages, so that the widget manager's
  // version requirement (^4.x) is met without a warning.
  function pageVersion(scope) {
    var notebook = scope['@jupyterlab/notebook'] || scope['@jupyterlab/application'] || {};
    var versions = Object.keys(notebook);
    return versions.length ? versions[0] : '4.0.0';
  }

  var SLIDER_KEYS = ['ArrowLeft', 'ArrowRight', 'ArrowUp', 'ArrowDown', 'PageUp', 'PageDown', 'Home', 'End'];

  function isSliderKeyInSlideshow(event) {
    var target = event.target;
    return (
      SLIDER_KEYS.indexOf(event.key) !== -1 &&
      target instanceof Element &&
      target.getAttribute('role') === 'slider' &&
      target.closest('.reveal') !== null
    );
  }

  var keyboardPlugin = {
    id: NAME + ':slider-keys',
    description: 'Arrow keys step a focused slider in a RISE slideshow instead of turning the slide.',
    autoStart: true,
    activate: function () {
      // Capture on window runs before the notebook's shortcut handler (capture on document).
      window.addEventListener(
        'keydown',
        function (event) {
          if (isSliderKeyInSlideshow(event)) {
            event.preventDefault();
          }
        },
        true
      );
      // Bubbling through body happens after the slider's own handler, before reveal.js on document.
      document.body.addEventListener('keydown', function (event) {
        if (isSliderKeyInSlideshow(event)) {
          event.stopPropagation();
        }
      });
    }
  };

  var container = {
    init: function (scope) {
      var versions = scope[CONSOLE];
      if (versions && Object.keys(versions).length) {
        return; // the real package is there (JupyterLab): leave it alone
      }
      scope[CONSOLE] = {};
      scope[CONSOLE][pageVersion(scope)] = {
        get: function () {
          return Promise.resolve(function () {
            return standIn;
          });
        },
        from: NAME,
        eager: false,
        loaded: 1
      };
    },
    get: function (module) {
      if (module === './extension') {
        return Promise.resolve(function () {
          return { __esModule: true, default: [keyboardPlugin] };
        });
      }
      return Promise.reject(new Error(NAME + ' has no module ' + module));
    }
  };

  window._JUPYTERLAB = window._JUPYTERLAB || {};
  window._JUPYTERLAB[NAME] = container;
})();
