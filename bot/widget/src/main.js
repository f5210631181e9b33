// Start-up: read the embedding tag's data- attributes, build the widget in a shadow root
// attached to <html> (outside a <body> the page may transform), and wire it together.
// Nothing is stored and nothing is fetched until the person opens the chat.

/* global WIDGET_CSS */
import { STRINGS } from './strings.js';
import { normaliseHex, themeCss } from './colour.js';
import { el } from './dom.js';
import { createStore, emptyState } from './store.js';
import { createApi } from './api.js';
import { buildView } from './view.js';
import { createPanel, isTouchFirst } from './panel.js';
import { createConversation } from './conversation.js';
import { isPhone, safeHref } from './text.js';

const MAX_MESSAGE_CHARS = 5000;

function boot() {
  if (window.__miliaChatWidget) {
    return; // embedded twice: keep the first
  }
  window.__miliaChatWidget = true;

  const script = document.currentScript ||
    document.querySelector('script[src*="/webhooks/widget/widget.js"]');

  function attr(name) {
    const value = script && script.getAttribute('data-' + name);
    return value === null || value === undefined ? '' : String(value).trim();
  }

  function httpUrl(value) {
    try {
      const url = new URL(value, document.baseURI);
      return url.protocol === 'http:' || url.protocol === 'https:' ? url : null;
    } catch (error) {
      return null;
    }
  }

  const scriptUrl = script && script.src ? httpUrl(script.src) : null;
  const botUrlAttribute = attr('bot-url') ? httpUrl(attr('bot-url')) : null;
  const botUrl = (botUrlAttribute ? botUrlAttribute.href : (scriptUrl ? scriptUrl.origin : window.location.origin))
    .replace(/\/+$/, '');
  const requestedLang = (attr('lang') || document.documentElement.lang || 'en').toLowerCase().split('-')[0];
  const lang = STRINGS[requestedLang] ? requestedLang : 'en';
  const t = STRINGS[lang];
  const title = attr('title') || t.defaultTitle;
  const primary = normaliseHex(attr('primary-color')) || '#0b5cad';

  const view = buildView(t, title, lang);
  if (attr('position') === 'left') {
    view.root.classList.add('left');
  }
  view.input.maxLength = MAX_MESSAGE_CHARS;

  // One constructed stylesheet: allowed by a strict CSP (style-src without 'unsafe-inline').
  const css = themeCss(primary) + WIDGET_CSS;
  let sheet = null;
  if (window.CSSStyleSheet && 'adoptedStyleSheets' in Document.prototype &&
      'replaceSync' in CSSStyleSheet.prototype) {
    sheet = new CSSStyleSheet();
    sheet.replaceSync(css);
    view.shadow.adoptedStyleSheets = [sheet];
  } else {
    const style = el('style', null, css); // older browsers; needs style-src 'unsafe-inline'
    view.shadow.insertBefore(style, view.shadow.firstChild);
    sheet = style.sheet;
  }

  const store = createStore('milia-chat:' + botUrl);
  const app = {
    t: t,
    view: view,
    store: store,
    api: createApi(botUrl),
    state: store.read() || emptyState(attr('open') === 'true'),
    isOpen: () => panel.isOpen(),
    askStartOver: () => askConfirm('startOver'),
    resizeInput: resizeInput,
    configLoaded: loadConfig
  };
  const panel = createPanel(view, sheet);
  const chat = createConversation(app);

  // ---------------------------------------------------------------- clinic contacts

  let configRequest = null;

  // Fetched once the chat is open: the numbers for tap-to-call, also when the bot is down.
  function loadConfig() {
    if (app.state.contacts.loaded) {
      return Promise.resolve();
    }
    if (!configRequest) {
      configRequest = app.api.config().then((config) => {
        const contacts = app.state.contacts;
        config = config && typeof config === 'object' ? config : {};
        if (isPhone(config.emergency_number)) {
          contacts.emergency = config.emergency_number;
        }
        const clinicPhone = config.clinic_phone || config.phone;
        if (isPhone(clinicPhone)) {
          contacts.clinicPhone = clinicPhone;
        }
        if (isPhone(config.medical_line)) {
          contacts.medicalLine = config.medical_line;
        }
        if (safeHref(config.booking_url) && /^https?:/i.test(config.booking_url)) {
          contacts.bookingUrl = config.booking_url;
        }
        contacts.loaded = true;
        store.write(app.state);
        chat.renderNote();
      }, () => {
        configRequest = null; // the widget still works; try again next time
      });
    }
    return configRequest;
  }

  // ---------------------------------------------------------------- open / close

  function focusOnOpen() {
    // On touch screens focusing the text box opens the keyboard over the conversation
    // and the disclaimer; the heading is read out instead and the person taps to type.
    if (isTouchFirst()) {
      view.heading.focus({ preventScroll: true });
    } else {
      view.input.focus({ preventScroll: true });
    }
  }

  function setOpen(open, focus) {
    if (open) {
      store.allowWrites();
      app.state.open = true;
      store.write(app.state);
      const before = document.activeElement;
      panel.present();
      view.launcher.setAttribute('aria-expanded', 'true');
      chat.revealLastTurn();
      if (focus || panel.isModal()) {
        focusOnOpen();
      } else if (before && before !== document.activeElement && before.focus) {
        before.focus({ preventScroll: true }); // restored on page load: leave focus where it was
      }
      if (!app.state.started && !app.state.messages.length && !chat.isBusy()) {
        chat.start();
      } else {
        loadConfig();
      }
    } else {
      closeConfirm(false);
      panel.hide();
      app.state.open = false;
      store.write(app.state);
      view.launcher.setAttribute('aria-expanded', 'false');
      if (focus) {
        view.launcher.focus();
      }
    }
  }

  // ---------------------------------------------------------------- confirmations

  let confirming = null;
  let confirmReturn = null;

  const CONFIRMATIONS = {
    startOver: { text: t.confirmStartOver, yes: t.confirmStartOverYes, run: () => chat.startOver() },
    delete: { text: t.confirmDelete, yes: t.confirmDeleteYes, run: () => chat.deleteConversation() }
  };

  // Clearing the conversation (and the emergency advice in it) takes a second, deliberate tap.
  function askConfirm(kind) {
    if (chat.isBusy()) {
      return;
    }
    confirming = CONFIRMATIONS[kind];
    confirmReturn = view.shadow.activeElement;
    view.confirmText.textContent = confirming.text;
    view.confirmYes.textContent = confirming.yes;
    view.confirmBar.hidden = false;
    view.confirmNo.focus();
  }

  function closeConfirm(restoreFocus) {
    view.confirmBar.hidden = true;
    confirming = null;
    if (restoreFocus && confirmReturn && confirmReturn.isConnected) {
      confirmReturn.focus();
    }
    confirmReturn = null;
  }

  view.confirmNo.addEventListener('click', () => closeConfirm(true));
  view.confirmYes.addEventListener('click', () => {
    const chosen = confirming;
    closeConfirm(false);
    if (chosen) {
      view.heading.focus({ preventScroll: true }); // until the new conversation arrives
      chosen.run();
    }
  });

  // ---------------------------------------------------------------- input

  function resizeInput() {
    view.input.rows = 1;
    while (view.input.rows < 5 && view.input.scrollHeight > view.input.clientHeight + 1) {
      view.input.rows += 1;
    }
  }

  view.launcher.addEventListener('click', () => setOpen(!panel.isOpen(), true));
  view.closeButton.addEventListener('click', () => setOpen(false, true));
  view.restartButton.addEventListener('click', () => askConfirm('startOver'));
  view.deleteButton.addEventListener('click', () => askConfirm('delete'));
  view.retryButton.addEventListener('click', () => {
    chat.retry();
    if (!isTouchFirst()) {
      view.input.focus();
    }
  });
  view.root.addEventListener('keydown', (event) => {
    if ((event.key === 'Escape' || event.key === 'Esc') && panel.isOpen()) {
      event.preventDefault();
      if (confirming) {
        closeConfirm(true);
      } else {
        setOpen(false, true);
      }
    }
  });
  // Escape on a modal dialog: close it our way (state saved, focus to the launcher).
  view.panel.addEventListener('cancel', (event) => {
    event.preventDefault();
    if (confirming) {
      closeConfirm(true);
    } else {
      setOpen(false, true);
    }
  });
  view.form.addEventListener('submit', (event) => {
    event.preventDefault();
    const text = view.input.value;
    if (chat.isBusy() || !text.trim()) {
      return; // nothing typed: nothing to send
    }
    view.input.value = '';
    resizeInput();
    chat.send(text, text, { typed: true });
  });
  view.input.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      if (typeof view.form.requestSubmit === 'function') {
        view.form.requestSubmit();
      } else {
        view.form.dispatchEvent(new Event('submit', { cancelable: true }));
      }
    }
  });
  view.input.addEventListener('input', resizeInput);

  // Clinics can open the chat from their own buttons: window.MiliaChat.open().
  window.MiliaChat = {
    open: () => setOpen(true, true),
    close: () => setOpen(false, false),
    toggle: () => setOpen(!panel.isOpen(), true)
  };

  // Attached to <html>, after <body>: a transform, filter or z-index on the page's body
  // can't move it or put it underneath (the same z-index later in the page paints on top).
  function mount() {
    document.documentElement.appendChild(view.host);
    chat.renderAll();
    chat.renderNote();
    if (app.state.open) {
      setOpen(true, false);
    }
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', mount);
  } else {
    mount();
  }
}

boot();
