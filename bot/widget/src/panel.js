// Opening and closing the chat window. Where it covers the page (narrow or short
// screens, large text) it is a modal dialog: focus stays inside, the page behind is
// inert and Escape closes it, so keyboard focus can never land on something hidden
// under it. Its height follows the visual viewport, so the on-screen keyboard does not
// push the header or the text box out of sight.

// Same query as the full-screen layout in widget.css. In em, so larger text settings
// also get the full-screen layout.
export const FULL_SCREEN_QUERY = '(max-width: 30em), (max-height: 35em)';

const FOCUSABLE = 'button, a[href], textarea, input, [tabindex="0"]';

export function isTouchFirst() {
  // Focusing the text box opens the on-screen keyboard, which hides most of a phone.
  return Boolean(window.matchMedia && window.matchMedia('(pointer: coarse)').matches) ||
    (navigator.maxTouchPoints > 0 && !(window.matchMedia && window.matchMedia('(pointer: fine)').matches));
}

export function createPanel(view, sheet) {
  const panel = view.panel;
  const fullScreen = window.matchMedia ? window.matchMedia(FULL_SCREEN_QUERY) : null;
  let modal = false;

  // Browsers without <dialog> (Safari before 15.4) get the open attribute, non-modal.
  const hasDialog = typeof panel.show === 'function';

  function isOpen() {
    return panel.hasAttribute('open');
  }

  function wantsModal() {
    return Boolean(hasDialog && fullScreen && fullScreen.matches);
  }

  // show() / showModal() may move focus; the caller decides where it goes.
  function present() {
    const wanted = wantsModal();
    if (isOpen() && wanted === modal) {
      return;
    }
    const focused = view.shadow.activeElement;
    hide();
    modal = wanted;
    panel.classList.toggle('modal', modal);
    if (modal) {
      panel.showModal();
    } else if (hasDialog) {
      panel.show();
    } else {
      panel.setAttribute('open', '');
    }
    if (focused && panel.contains(focused)) {
      focused.focus({ preventScroll: true });
    }
  }

  function hide() {
    if (hasDialog && panel.open) {
      panel.close();
    } else {
      panel.removeAttribute('open');
    }
    modal = false;
    panel.classList.remove('modal');
  }

  function focusables() {
    return Array.prototype.filter.call(panel.querySelectorAll(FOCUSABLE), (node) => (
      !node.disabled && node.getClientRects().length > 0
    ));
  }

  // The modal dialog already makes the page inert; this also keeps Tab from leaving
  // for the browser's own toolbar, so it cycles through the chat.
  panel.addEventListener('keydown', (event) => {
    if (event.key !== 'Tab' || !modal) {
      return;
    }
    const items = focusables();
    if (!items.length) {
      return;
    }
    const active = view.shadow.activeElement;
    const inside = active && panel.contains(active);
    if (event.shiftKey && (!inside || active === items[0] || active === view.heading)) {
      event.preventDefault();
      items[items.length - 1].focus();
    } else if (!event.shiftKey && (!inside || active === items[items.length - 1])) {
      event.preventDefault();
      items[0].focus();
    }
  });

  if (fullScreen) {
    const relayout = () => {
      if (isOpen()) {
        present();
      }
    };
    if (fullScreen.addEventListener) {
      fullScreen.addEventListener('change', relayout);
    } else if (fullScreen.addListener) {
      fullScreen.addListener(relayout);
    }
  }

  // --vvh / --vvt: the visible part of the page (the layout viewport minus the on-screen
  // keyboard), set on the stylesheet's first rule through the CSSOM, which CSP allows.
  const viewport = window.visualViewport;
  if (viewport && sheet && sheet.cssRules && sheet.cssRules[0] && sheet.cssRules[0].style) {
    const rule = sheet.cssRules[0].style;
    const update = () => {
      rule.setProperty('--vvh', Math.round(viewport.height) + 'px');
      rule.setProperty('--vvt', Math.max(0, Math.round(viewport.offsetTop)) + 'px');
    };
    viewport.addEventListener('resize', update);
    viewport.addEventListener('scroll', update);
    update();
  }

  return { isOpen: isOpen, present: present, hide: hide, isModal: () => modal };
}
