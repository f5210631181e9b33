/*!
 * Milia assistant chat widget. Plain JavaScript, no dependencies, no build step.
 *
 * Embed with one tag (see docs/embedding.md):
 *   <script src="https://BOT/webhooks/widget/widget.js" data-bot-url="https://BOT"
 *           data-title="Ask about skin bumps" data-primary-color="#0b5cad"
 *           data-open="false" data-lang="en" defer></script>
 *
 * Design rules, each for a reason:
 * - Everything lives in an open shadow root, styled by a constructed stylesheet
 *   (adoptedStyleSheets): the host page's CSS can't break the widget, the widget's CSS
 *   can't leak, and a strict Content-Security-Policy (style-src without
 *   'unsafe-inline') is enough. Browsers without constructable stylesheets get a
 *   <style> element inside the shadow root instead (that one needs 'unsafe-inline').
 * - Message text is never parsed as HTML: nodes are built with createElement and
 *   textContent. Only http, https, tel and mailto links become clickable.
 * - The conversation is kept in sessionStorage (not localStorage): it survives a reload
 *   but not the end of the browsing session, which suits health questions on shared
 *   computers.
 */
(function () {
  'use strict';

  if (window.__miliaChatWidget) {
    return; // embedded twice: keep the first
  }
  window.__miliaChatWidget = true;

  var script = document.currentScript ||
    document.querySelector('script[src*="/webhooks/widget/widget.js"]');

  var STRINGS = {
    en: {
      defaultTitle: 'Skin bumps assistant',
      launcher: 'Chat',
      launcherLabel: 'Chat: ',
      close: 'Close chat',
      startOver: 'Start over',
      startOverLabel: 'Start over: clear this conversation',
      conversation: 'Conversation',
      inputLabel: 'Type your message',
      placeholder: 'Type your question\u2026',
      send: 'Send',
      you: 'You: ',
      assistant: 'Assistant: ',
      typing: 'The assistant is typing\u2026',
      suggestions: 'Suggested replies',
      unreachable: 'Sorry, I can\u2019t reach the assistant right now, so your message hasn\u2019t been sent. ' +
        'Please check your connection and try again.',
      refused: 'The assistant couldn\u2019t accept that message. Please shorten it and try again.',
      retry: 'Try again',
      emergencyKnown: 'If someone may be seriously ill, call ',
      emergencyKnownEnd: ' now.',
      emergencyUnknown: 'If someone may be seriously ill, call your local emergency number now.',
      note: 'General information only, not a diagnosis.',
      noteEmergency: ' Emergency? ',
      call: 'Call ',
      callNow: ' now',
      openLink: ' (opens in a new tab)',
      image: 'Open image',
      levels: {
        emergency: 'Emergency: get help now',
        urgent: 'Urgent: get medical help today',
        soon: 'Soon: see a doctor within 1 to 2 weeks',
        routine: 'Routine: mention it at a check-up',
        self_care: 'Self-care: usually fine to look after at home'
      }
    }
  };

  var LEVELS = ['emergency', 'urgent', 'soon', 'routine', 'self_care'];
  var SAFE_PROTOCOLS = ['http:', 'https:', 'tel:', 'mailto:'];
  var PHONE = /^\+?[0-9][0-9 ()\-]{1,24}$/;
  var MAX_MESSAGE_CHARS = 5000;
  var MAX_STORED_MESSAGES = 200;
  var REQUEST_TIMEOUT_MS = 60000;
  var SVG_NS = 'http://www.w3.org/2000/svg';

  // ------------------------------------------------------------------ configuration

  function attr(name) {
    var value = script && script.getAttribute('data-' + name);
    return value === null || value === undefined ? '' : String(value).trim();
  }

  function httpUrl(value) {
    try {
      var url = new URL(value, document.baseURI);
      return url.protocol === 'http:' || url.protocol === 'https:' ? url : null;
    } catch (error) {
      return null;
    }
  }

  function scriptOrigin() {
    var url = script && script.src ? httpUrl(script.src) : null;
    return url ? url.origin : window.location.origin;
  }

  var botUrlAttribute = attr('bot-url') ? httpUrl(attr('bot-url')) : null;
  var botUrl = (botUrlAttribute ? botUrlAttribute.href : scriptOrigin()).replace(/\/+$/, '');
  var requestedLang = (attr('lang') || document.documentElement.lang || 'en').toLowerCase().split('-')[0];
  var lang = STRINGS[requestedLang] ? requestedLang : 'en';
  var t = STRINGS[lang];
  var title = attr('title') || t.defaultTitle;
  var primary = normaliseHex(attr('primary-color')) || '#0b5cad';
  var openAtStart = attr('open') === 'true';
  var onLeft = attr('position') === 'left';

  // ------------------------------------------------------------------ colours (WCAG AA)

  function normaliseHex(value) {
    var match = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(value || '');
    if (!match) {
      return null;
    }
    var hex = match[1];
    if (hex.length === 3) {
      hex = hex.charAt(0) + hex.charAt(0) + hex.charAt(1) + hex.charAt(1) + hex.charAt(2) + hex.charAt(2);
    }
    return '#' + hex.toLowerCase();
  }

  function rgb(hex) {
    var n = parseInt(hex.slice(1), 16);
    return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
  }

  function toHex(channels) {
    return '#' + channels.map(function (c) {
      var s = Math.max(0, Math.min(255, Math.round(c))).toString(16);
      return s.length === 1 ? '0' + s : s;
    }).join('');
  }

  function luminance(hex) {
    var c = rgb(hex).map(function (v) {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  }

  function contrast(a, b) {
    var la = luminance(a);
    var lb = luminance(b);
    return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
  }

  // Darken a colour until it reads on the light bubble background (4.5:1).
  function readableOnLight(hex) {
    var channels = rgb(hex);
    var colour = hex;
    for (var i = 0; i < 40 && contrast(colour, '#f1f3f5') < 4.5; i++) {
      channels = channels.map(function (c) { return c * 0.9; });
      colour = toHex(channels);
    }
    return colour;
  }

  var onPrimary = contrast(primary, '#ffffff') >= contrast(primary, '#000000') ? '#ffffff' : '#000000';
  var accent = readableOnLight(primary);

  // ------------------------------------------------------------------ storage

  var storageKey = 'milia-chat:' + botUrl;
  var memoryStore = null;

  function randomId() {
    var bytes = new Uint8Array(16);
    (window.crypto || window.msCrypto).getRandomValues(bytes);
    return 'web-' + Array.prototype.map.call(bytes, function (b) {
      return (b < 16 ? '0' : '') + b.toString(16);
    }).join('');
  }

  function loadState() {
    var raw = null;
    try {
      raw = window.sessionStorage.getItem(storageKey);
    } catch (error) {
      raw = memoryStore;
    }
    try {
      var state = raw ? JSON.parse(raw) : null;
      if (state && typeof state.sender === 'string' && Array.isArray(state.messages)) {
        return state;
      }
    } catch (error) {
      // corrupt entry: start afresh
    }
    return { v: 1, sender: randomId(), messages: [], open: openAtStart, started: false, emergencyNumber: '' };
  }

  function saveState() {
    if (state.messages.length > MAX_STORED_MESSAGES) {
      state.messages = state.messages.slice(-MAX_STORED_MESSAGES);
    }
    var raw = JSON.stringify(state);
    try {
      window.sessionStorage.setItem(storageKey, raw);
    } catch (error) {
      memoryStore = raw; // storage blocked (private mode, sandbox): keep it for this page
    }
  }

  var state = loadState();

  // ------------------------------------------------------------------ styles

  var CSS = [
    ':host{all:initial!important;display:block!important;position:static!important;visibility:visible!important;',
    'opacity:1!important;transform:none!important;filter:none!important;contain:none!important;',
    '--p:' + primary + ';--on-p:' + onPrimary + ';--accent:' + accent + ';}',
    '*,*::before,*::after{box-sizing:border-box;}',
    '[hidden]{display:none!important;}',
    '.root{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;',
    'color:#1a1a1a;-webkit-text-size-adjust:100%;text-align:left;}',
    '.sr{position:absolute!important;width:1px;height:1px;margin:-1px;padding:0;overflow:hidden;',
    'clip:rect(0 0 0 0);white-space:nowrap;border:0;}',
    'button,textarea,a{font:inherit;}',
    ':focus{outline:none;}',
    ':focus-visible{outline:3px solid var(--accent);outline-offset:2px;}',
    '.launcher{position:fixed;bottom:16px;' + (onLeft ? 'left' : 'right') + ':16px;z-index:2147483000;',
    'display:inline-flex;align-items:center;gap:8px;min-height:48px;padding:0 20px 0 16px;border:0;',
    'border-radius:24px;background:var(--p);color:var(--on-p);font-weight:600;font-size:16px;cursor:pointer;',
    'box-shadow:0 4px 14px rgba(0,0,0,.25);}',
    '.launcher:focus-visible{outline:3px solid #1a1a1a;outline-offset:2px;box-shadow:0 0 0 6px #fff;}',
    '.launcher svg{width:22px;height:22px;flex:none;}',
    '.panel{position:fixed;bottom:80px;' + (onLeft ? 'left' : 'right') + ':16px;z-index:2147483001;',
    'display:flex;flex-direction:column;width:380px;max-width:calc(100vw - 32px);height:600px;',
    'max-height:calc(100vh - 104px);background:#fff;border-radius:12px;overflow:hidden;',
    'box-shadow:0 12px 40px rgba(0,0,0,.3);border:1px solid #c4c8cc;}',
    '@media (max-width:480px),(max-height:560px){.panel{top:0;bottom:0;left:0;right:0;width:auto;',
    'max-width:none;height:auto;max-height:none;border-radius:0;border:0;}}',
    '.header{display:flex;align-items:center;gap:6px;padding:8px 8px 8px 16px;background:var(--p);',
    'color:var(--on-p);flex:none;}',
    '.header :focus-visible{outline-color:var(--on-p);}',
    '.title{flex:1;min-width:0;margin:0;font-size:16px;font-weight:700;line-height:1.3;',
    'overflow-wrap:anywhere;}',
    '.hbtn{display:inline-flex;align-items:center;justify-content:center;gap:4px;min-width:44px;',
    'min-height:44px;padding:0 8px;border:0;border-radius:8px;background:transparent;color:inherit;',
    'cursor:pointer;font-size:14px;font-weight:600;}',
    '.hbtn:hover{background:rgba(127,127,127,.25);}',
    '.hbtn svg{width:20px;height:20px;flex:none;}',
    '.log{flex:1;overflow-y:auto;padding:16px 12px;display:flex;flex-direction:column;gap:10px;',
    'overscroll-behavior:contain;background:#fff;}',
    '.msg{max-width:88%;padding:9px 12px;border-radius:14px;white-space:pre-line;overflow-wrap:anywhere;}',
    '.msg.bot{align-self:flex-start;background:#f1f3f5;border-bottom-left-radius:4px;}',
    '.msg.user{align-self:flex-end;background:var(--p);color:var(--on-p);border-bottom-right-radius:4px;}',
    '.msg a{color:var(--accent);text-decoration:underline;text-underline-offset:2px;}',
    '.msg.triage{border-left:6px solid;border-radius:6px 14px 14px 6px;max-width:94%;}',
    '.heading{display:flex;align-items:center;gap:6px;margin:0 0 6px;font-weight:700;}',
    '.heading svg{width:20px;height:20px;flex:none;}',
    '.msg.triage-emergency{background:#fdecea;border-color:#b3261e;}',
    '.triage-emergency .heading{color:#8c1d18;font-size:17px;text-transform:uppercase;letter-spacing:.02em;}',
    '.msg.triage-urgent{background:#fff1e0;border-color:#b45309;}',
    '.triage-urgent .heading{color:#7c3a00;}',
    '.msg.triage-soon{background:#fdf8e1;border-color:#8a6d00;}',
    '.triage-soon .heading{color:#5c4700;}',
    '.msg.triage-routine{background:#e8f1fb;border-color:#1d5fa8;}',
    '.triage-routine .heading{color:#0d467f;}',
    '.msg.triage-self_care{background:#e8f5eb;border-color:#1e7b34;}',
    '.triage-self_care .heading{color:#145224;}',
    '.call{display:flex;align-items:center;justify-content:center;gap:8px;margin-top:10px;min-height:48px;',
    'padding:8px 16px;border-radius:8px;background:#b3261e;color:#fff!important;font-weight:700;',
    'font-size:17px;text-decoration:none!important;}',
    '.call:focus-visible{outline:3px solid #1a1a1a;outline-offset:2px;}',
    '.call svg{width:20px;height:20px;flex:none;}',
    '.replies{align-self:flex-start;display:flex;flex-wrap:wrap;gap:8px;max-width:100%;}',
    '.reply{min-height:40px;padding:6px 14px;border:2px solid var(--accent);border-radius:20px;',
    'background:#fff;color:var(--accent);font-size:14px;font-weight:600;cursor:pointer;text-align:left;}',
    '.reply:hover{background:var(--accent);color:#fff;}',
    '.typing{flex:none;display:flex;gap:4px;padding:0 16px 8px;}',
    '.typing span{width:8px;height:8px;border-radius:50%;background:#6b6f73;animation:milia-blink 1.2s infinite;}',
    '.typing span:nth-child(2){animation-delay:.2s;}',
    '.typing span:nth-child(3){animation-delay:.4s;}',
    '@keyframes milia-blink{0%,80%,100%{opacity:.3;}40%{opacity:1;}}',
    '@media (prefers-reduced-motion:reduce){.typing span{animation:none;}}',
    '.alert{flex:none;margin:0 12px 8px;padding:10px 12px;border:2px solid #b3261e;border-radius:8px;',
    'background:#fdecea;color:#1a1a1a;font-size:14px;}',
    '.alert p{margin:0 0 8px;}',
    '.alert a{color:#8c1d18;font-weight:700;}',
    '.retry{min-height:40px;padding:6px 14px;border:0;border-radius:8px;background:#b3261e;color:#fff;',
    'font-weight:700;cursor:pointer;}',
    '.composer{flex:none;display:flex;align-items:flex-end;gap:8px;padding:10px 12px;',
    'border-top:1px solid #d6d9dc;background:#fff;}',
    '.input{flex:1;min-width:0;min-height:44px;max-height:140px;padding:10px 12px;resize:none;',
    'border:1px solid #6b6f73;border-radius:10px;background:#fff;color:#1a1a1a;font-size:16px;line-height:1.35;}',
    '.input::placeholder{color:#5f6368;opacity:1;}',
    '.input:focus-visible{outline:3px solid var(--accent);outline-offset:0;border-color:var(--accent);}',
    '.send{flex:none;display:inline-flex;align-items:center;justify-content:center;width:44px;height:44px;',
    'border:0;border-radius:10px;background:var(--accent);color:#fff;cursor:pointer;}',
    '.send svg{width:22px;height:22px;}',
    '.send[aria-disabled="true"]{opacity:.55;cursor:progress;}',
    '.note{flex:none;margin:0;padding:0 12px 10px;font-size:12.5px;color:#4a4d50;}',
    '.note a{color:#8c1d18;font-weight:700;}'
  ].join('');

  // ------------------------------------------------------------------ DOM helpers

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text !== undefined && text !== null) {
      node.textContent = text;
    }
    return node;
  }

  var ICONS = {
    chat: 'M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4H4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z',
    close: 'M6 6l12 12M18 6L6 18',
    restart: 'M4 12a8 8 0 1 0 2.34-5.66M4 4v4h4',
    send: 'M4 12l16-8-6 16-2.5-6.5z',
    warning: 'M12 3l10 18H2zM12 10v5M12 18v.5',
    info: 'M12 2a10 10 0 1 0 0 20 10 10 0 0 0 0-20zM12 11v6M12 7.5v.5',
    phone: 'M6.6 10.8a15 15 0 0 0 6.6 6.6l2.2-2.2a1 1 0 0 1 1-.25 11.4 11.4 0 0 0 3.6.57 1 1 0 0 1 1 1V20a1 ' +
      '1 0 0 1-1 1A17 17 0 0 1 3 4a1 1 0 0 1 1-1h3.5a1 1 0 0 1 1 1c0 1.25.2 2.45.57 3.57a1 1 0 0 1-.25 1z'
  };

  function icon(name, filled) {
    var svg = document.createElementNS(SVG_NS, 'svg');
    svg.setAttribute('viewBox', '0 0 24 24');
    svg.setAttribute('aria-hidden', 'true');
    svg.setAttribute('focusable', 'false');
    var path = document.createElementNS(SVG_NS, 'path');
    path.setAttribute('d', ICONS[name]);
    path.setAttribute('fill', filled ? 'currentColor' : 'none');
    path.setAttribute('stroke', 'currentColor');
    path.setAttribute('stroke-width', filled ? '1' : '2.2');
    path.setAttribute('stroke-linecap', 'round');
    path.setAttribute('stroke-linejoin', 'round');
    svg.appendChild(path);
    return svg;
  }

  // A link only for http, https, tel and mailto; anything else stays plain text.
  function safeHref(value) {
    if (typeof value !== 'string' || !value) {
      return null;
    }
    try {
      var url = new URL(value);
      return SAFE_PROTOCOLS.indexOf(url.protocol) === -1 ? null : url.href;
    } catch (error) {
      return null;
    }
  }

  function link(href, label) {
    var safe = safeHref(href);
    if (!safe) {
      return document.createTextNode(label);
    }
    var a = el('a', null, label);
    a.href = safe;
    if (/^https?:/i.test(safe)) {
      a.target = '_blank';
      a.rel = 'noopener noreferrer';
      a.appendChild(el('span', 'sr', t.openLink));
    }
    return a;
  }

  // [label](url) markdown links and bare URLs; everything else as text nodes.
  var LINK_PATTERN = new RegExp(
    '\\[([^\\]\\n]{1,300})\\]\\(([^()\\s]{1,2000})\\)' +
    '|((?:https?:\\/\\/|mailto:)[^\\s<>"\\u201c\\u201d]+)' +
    '|(tel:\\+?[0-9][0-9().\\-]*[0-9])',
    'gi'
  );

  function trimUrl(url) {
    var trailing = '';
    while (url.length) {
      var last = url.charAt(url.length - 1);
      var unbalanced = last === ')' && url.split('(').length < url.split(')').length;
      if ('.,;:!?\'"'.indexOf(last) !== -1 || unbalanced) {
        trailing = last + trailing;
        url = url.slice(0, -1);
      } else {
        break;
      }
    }
    return [url, trailing];
  }

  function appendRichText(parent, text) {
    var last = 0;
    var match;
    LINK_PATTERN.lastIndex = 0;
    while ((match = LINK_PATTERN.exec(text)) !== null) {
      if (match.index > last) {
        parent.appendChild(document.createTextNode(text.slice(last, match.index)));
      }
      if (match[1] !== undefined) {
        // An unsafe [label](url) stays visible as written, so nothing is hidden.
        parent.appendChild(safeHref(match[2]) ? link(match[2], match[1]) : document.createTextNode(match[0]));
      } else {
        var parts = trimUrl(match[3] || match[4]);
        parent.appendChild(link(parts[0], parts[0]));
        if (parts[1]) {
          parent.appendChild(document.createTextNode(parts[1]));
        }
      }
      last = LINK_PATTERN.lastIndex;
    }
    if (last < text.length) {
      parent.appendChild(document.createTextNode(text.slice(last)));
    }
  }

  function telHref(number) {
    return 'tel:' + number.replace(/[^0-9+]/g, '');
  }

  function emergencyNumberFrom(text) {
    var match = /\bcall\s+(\+?[0-9][0-9 ()\-]{0,20}[0-9])\b/i.exec(text || '');
    return match ? match[1] : '';
  }

  // ------------------------------------------------------------------ build the widget

  var host = el('div');
  host.setAttribute('data-milia-chat', '');
  var shadow = host.attachShadow({ mode: 'open' });

  if (window.CSSStyleSheet && 'adoptedStyleSheets' in Document.prototype && 'replaceSync' in CSSStyleSheet.prototype) {
    var sheet = new CSSStyleSheet();
    sheet.replaceSync(CSS);
    shadow.adoptedStyleSheets = [sheet];
  } else {
    shadow.appendChild(el('style', null, CSS)); // older browsers; needs style-src 'unsafe-inline'
  }

  var root = el('div', 'root');
  root.setAttribute('lang', lang);
  shadow.appendChild(root);

  var launcher = el('button', 'launcher');
  launcher.type = 'button';
  launcher.setAttribute('aria-label', t.launcherLabel + title);
  launcher.setAttribute('aria-controls', 'milia-panel');
  launcher.setAttribute('aria-expanded', 'false');
  launcher.appendChild(icon('chat', true));
  launcher.appendChild(el('span', null, t.launcher));

  var panel = el('div', 'panel');
  panel.id = 'milia-panel';
  panel.hidden = true;
  panel.setAttribute('role', 'dialog');
  panel.setAttribute('aria-modal', 'false');
  panel.setAttribute('aria-labelledby', 'milia-title');

  var header = el('div', 'header');
  var heading = el('h2', 'title', title);
  heading.id = 'milia-title';
  var restartButton = el('button', 'hbtn restart');
  restartButton.type = 'button';
  restartButton.setAttribute('aria-label', t.startOverLabel);
  restartButton.appendChild(icon('restart'));
  restartButton.appendChild(el('span', null, t.startOver));
  var closeButton = el('button', 'hbtn close');
  closeButton.type = 'button';
  closeButton.setAttribute('aria-label', t.close);
  closeButton.appendChild(icon('close'));
  header.appendChild(heading);
  header.appendChild(restartButton);
  header.appendChild(closeButton);

  var log = el('div', 'log');
  log.setAttribute('role', 'log');
  log.setAttribute('aria-live', 'polite');
  log.setAttribute('aria-relevant', 'additions');
  log.setAttribute('aria-atomic', 'false');
  log.setAttribute('aria-label', t.conversation);
  log.tabIndex = 0; // scrollable by keyboard

  var typing = el('div', 'typing');
  typing.hidden = true;
  typing.setAttribute('aria-hidden', 'true');
  typing.appendChild(el('span'));
  typing.appendChild(el('span'));
  typing.appendChild(el('span'));
  var status = el('div', 'sr');
  status.setAttribute('role', 'status');

  var alertBox = el('div', 'alert');
  alertBox.hidden = true;
  alertBox.setAttribute('role', 'alert');
  var alertText = el('p');
  var alertEmergency = el('p');
  var retryButton = el('button', 'retry', t.retry);
  retryButton.type = 'button';
  alertBox.appendChild(alertText);
  alertBox.appendChild(alertEmergency);
  alertBox.appendChild(retryButton);

  var form = el('form', 'composer');
  form.noValidate = true;
  var inputLabel = el('label', 'sr', t.inputLabel);
  inputLabel.htmlFor = 'milia-input';
  var input = el('textarea', 'input');
  input.id = 'milia-input';
  input.rows = 1;
  input.maxLength = MAX_MESSAGE_CHARS;
  input.placeholder = t.placeholder;
  input.setAttribute('autocomplete', 'off');
  var sendButton = el('button', 'send');
  sendButton.type = 'submit';
  sendButton.setAttribute('aria-label', t.send);
  sendButton.appendChild(icon('send', true));
  form.appendChild(inputLabel);
  form.appendChild(input);
  form.appendChild(sendButton);

  var note = el('p', 'note');

  panel.appendChild(header);
  panel.appendChild(log);
  panel.appendChild(typing);
  panel.appendChild(status);
  panel.appendChild(alertBox);
  panel.appendChild(form);
  panel.appendChild(note);
  root.appendChild(launcher);
  root.appendChild(panel);

  // ------------------------------------------------------------------ rendering

  function emergencyNumber(message) {
    var candidates = [message && message.emergencyNumber, state.emergencyNumber,
      message && emergencyNumberFrom(message.text)];
    for (var i = 0; i < candidates.length; i++) {
      if (candidates[i] && PHONE.test(candidates[i])) {
        return candidates[i];
      }
    }
    return '';
  }

  function renderNote() {
    note.textContent = t.note;
    var number = state.emergencyNumber;
    if (number && PHONE.test(number)) {
      note.appendChild(document.createTextNode(t.noteEmergency));
      note.appendChild(link(telHref(number), t.call + number));
    }
  }

  function renderMessage(message) {
    var node = el('div', 'msg ' + (message.from === 'user' ? 'user' : 'bot'));
    node.appendChild(el('span', 'sr', message.from === 'user' ? t.you : t.assistant));
    var level = LEVELS.indexOf(message.triage) === -1 ? '' : message.triage;
    if (level) {
      node.className += ' triage triage-' + level;
      var label = el('p', 'heading');
      label.appendChild(icon(level === 'emergency' ? 'warning' : 'info'));
      label.appendChild(el('span', null, t.levels[level]));
      node.appendChild(label);
    }
    if (message.from === 'user') {
      node.appendChild(document.createTextNode(message.text));
    } else if (message.text) {
      appendRichText(node, message.text);
    }
    if (message.image) {
      node.appendChild(document.createTextNode(message.text ? '\n' : ''));
      node.appendChild(link(message.image, t.image));
    }
    if (level === 'emergency') {
      var number = emergencyNumber(message);
      if (number) {
        var call = el('a', 'call');
        call.href = telHref(number);
        call.appendChild(icon('phone', true));
        call.appendChild(el('span', null, t.call + number + t.callNow));
        node.appendChild(call);
      }
    }
    return node;
  }

  function renderReplies(buttons) {
    var group = el('div', 'replies');
    group.setAttribute('role', 'group');
    group.setAttribute('aria-label', t.suggestions);
    buttons.forEach(function (button) {
      var reply = el('button', 'reply', button.title);
      reply.type = 'button';
      reply.addEventListener('click', function () {
        send(button.payload, button.title);
      });
      group.appendChild(reply);
    });
    return group;
  }

  function removeReplies() {
    var groups = log.querySelectorAll('.replies');
    for (var i = 0; i < groups.length; i++) {
      groups[i].parentNode.removeChild(groups[i]);
    }
  }

  function scrollToEnd() {
    log.scrollTop = log.scrollHeight;
  }

  function appendMessages(messages, showReplies) {
    messages.forEach(function (message) {
      log.appendChild(renderMessage(message));
      if (showReplies && message.buttons && message.buttons.length) {
        log.appendChild(renderReplies(message.buttons));
      }
    });
    scrollToEnd();
  }

  // Quick replies belong to the bot's latest turn only.
  function renderAll() {
    while (log.firstChild) {
      log.removeChild(log.firstChild);
    }
    var lastUser = -1;
    state.messages.forEach(function (message, index) {
      if (message.from === 'user') {
        lastUser = index;
      }
    });
    state.messages.forEach(function (message, index) {
      log.appendChild(renderMessage(message));
      if (index > lastUser && message.buttons && message.buttons.length) {
        log.appendChild(renderReplies(message.buttons));
      }
    });
    scrollToEnd();
  }

  // Rasa's messages -> stored entries. A {"custom": {"triage_level": ...}} message
  // styles the text just before it (utter_triage_* in domain.yml).
  function toEntries(botMessages) {
    var entries = [];
    (Array.isArray(botMessages) ? botMessages : []).forEach(function (message) {
      if (!message || typeof message !== 'object') {
        return;
      }
      var custom = message.custom && typeof message.custom === 'object' ? message.custom : null;
      if (custom && LEVELS.indexOf(custom.triage_level) !== -1) {
        var target = entries.length ? entries[entries.length - 1] : null;
        if (!target) {
          target = { from: 'bot', text: '' };
          entries.push(target);
        }
        target.triage = custom.triage_level;
        if (typeof custom.emergency_number === 'string' && PHONE.test(custom.emergency_number)) {
          target.emergencyNumber = custom.emergency_number;
          state.emergencyNumber = custom.emergency_number;
        }
      }
      var text = typeof message.text === 'string' ? message.text : '';
      var buttons = Array.isArray(message.buttons) ? message.buttons.filter(function (b) {
        return b && typeof b.title === 'string' && b.title && (typeof b.payload === 'string' || b.payload === undefined);
      }).map(function (b) {
        return { title: b.title, payload: typeof b.payload === 'string' && b.payload ? b.payload : b.title };
      }) : [];
      var image = typeof message.image === 'string' ? message.image : '';
      if (text || buttons.length || image) {
        var entry = { from: 'bot', text: text };
        if (buttons.length) {
          entry.buttons = buttons;
        }
        if (image) {
          entry.image = image;
        }
        entries.push(entry);
      }
    });
    return entries;
  }

  // ------------------------------------------------------------------ talking to the bot

  var busy = false;
  var pending = null; // what to send again after a failure

  function post(message) {
    var controller = window.AbortController ? new AbortController() : null;
    var timer = setTimeout(function () {
      if (controller) {
        controller.abort();
      }
    }, REQUEST_TIMEOUT_MS);
    return fetch(botUrl + '/webhooks/widget/webhook', {
      method: 'POST',
      mode: 'cors',
      credentials: 'omit',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ sender: state.sender, message: message }),
      signal: controller ? controller.signal : undefined
    }).then(function (response) {
      clearTimeout(timer);
      if (!response.ok) {
        var error = new Error('HTTP ' + response.status);
        error.status = response.status;
        throw error;
      }
      return response.json();
    }, function (error) {
      clearTimeout(timer);
      throw error;
    });
  }

  function setBusy(value) {
    busy = value;
    typing.hidden = !value;
    status.textContent = value ? t.typing : '';
    sendButton.setAttribute('aria-disabled', value ? 'true' : 'false');
    log.setAttribute('aria-busy', value ? 'true' : 'false');
    if (value) {
      scrollToEnd();
    }
  }

  function showAlert(error) {
    var refused = error && error.status >= 400 && error.status < 500;
    alertText.textContent = refused ? t.refused : t.unreachable;
    alertEmergency.textContent = '';
    var number = state.emergencyNumber;
    if (number && PHONE.test(number)) {
      alertEmergency.appendChild(document.createTextNode(t.emergencyKnown));
      alertEmergency.appendChild(link(telHref(number), number));
      alertEmergency.appendChild(document.createTextNode(t.emergencyKnownEnd));
    } else {
      alertEmergency.textContent = t.emergencyUnknown;
    }
    retryButton.hidden = refused;
    alertBox.hidden = false;
  }

  function hideAlert() {
    alertBox.hidden = true;
  }

  // Send `payload` to the bot; show `display` as the user's bubble (null: send silently).
  // On failure the bubble goes, the typed text goes back into the input and "Try again"
  // resends it, so nothing the person wrote is lost.
  function send(payload, display, options) {
    options = options || {};
    if (busy) {
      return Promise.resolve(false);
    }
    hideAlert();
    var userEntry = null;
    var userNode = null;
    if (display !== null && display !== undefined) {
      userEntry = { from: 'user', text: display };
      userNode = renderMessage(userEntry);
      log.appendChild(userNode);
    }
    setBusy(true);
    return post(payload).then(function (botMessages) {
      setBusy(false);
      pending = null;
      var entries = toEntries(botMessages);
      removeReplies();
      if (options.clearFirst) {
        state.messages = [];
        renderAll();
      }
      if (userEntry) {
        state.messages.push(userEntry);
      }
      state.messages = state.messages.concat(entries);
      appendMessages(entries, true);
      renderNote();
      saveState();
      return true;
    }).catch(function (error) {
      setBusy(false);
      if (userNode && userNode.parentNode) {
        userNode.parentNode.removeChild(userNode); // only new nodes reach the live log
      }
      if (options.typed && !input.value) {
        input.value = payload;
        resizeInput();
      }
      pending = { payload: payload, display: display, options: options };
      showAlert(error);
      return false;
    });
  }

  function start() {
    // The bot's session start gives the disclaimer before anything else.
    return send('/greet', null).then(function (ok) {
      if (ok) {
        state.started = true;
        saveState();
      }
      return ok;
    });
  }

  function startOver() {
    if (busy) {
      return;
    }
    // The list is cleared when the bot confirms; if it can't be reached the
    // conversation stays as it was and the alert says so.
    send('/restart', null, { clearFirst: true }).then(function (ok) {
      var hasText = state.messages.some(function (m) { return m.from === 'bot' && m.text; });
      if (ok && !hasText) {
        return start();
      }
      if (ok) {
        state.started = true;
        saveState();
      }
      return ok;
    });
    input.focus();
  }

  function fetchConfig() {
    if (state.emergencyNumber) {
      renderNote();
      return;
    }
    fetch(botUrl + '/webhooks/widget/config', { credentials: 'omit' }).then(function (response) {
      return response.ok ? response.json() : {};
    }).then(function (config) {
      if (config && typeof config.emergency_number === 'string' && PHONE.test(config.emergency_number)) {
        state.emergencyNumber = config.emergency_number;
        saveState();
        renderNote();
      }
    }).catch(function () {
      // the widget still works; the note just doesn't name the number
    });
  }

  // ------------------------------------------------------------------ open / close

  function setOpen(open, focus) {
    state.open = open;
    saveState();
    panel.hidden = !open;
    launcher.setAttribute('aria-expanded', open ? 'true' : 'false');
    if (open) {
      scrollToEnd();
      if (focus) {
        input.focus();
      }
      if (!state.started && !state.messages.length && !busy) {
        start();
      }
    } else if (focus) {
      launcher.focus();
    }
  }

  function resizeInput() {
    input.rows = 1;
    while (input.rows < 5 && input.scrollHeight > input.clientHeight + 1) {
      input.rows += 1;
    }
  }

  launcher.addEventListener('click', function () {
    setOpen(panel.hidden, true);
  });
  closeButton.addEventListener('click', function () {
    setOpen(false, true);
  });
  restartButton.addEventListener('click', startOver);
  retryButton.addEventListener('click', function () {
    if (!pending) {
      hideAlert();
      return;
    }
    var retry = pending;
    if (retry.options.typed) {
      if (input.value.trim() !== retry.payload.trim()) {
        retry = { payload: input.value, display: input.value, options: retry.options };
      }
      input.value = '';
      resizeInput();
    }
    if (retry.display === null && retry.payload === '/restart') {
      startOver();
    } else if (retry.display === null && retry.payload === '/greet') {
      start();
    } else {
      send(retry.payload, retry.display, retry.options);
    }
    input.focus();
  });
  root.addEventListener('keydown', function (event) {
    if ((event.key === 'Escape' || event.key === 'Esc') && !panel.hidden) {
      event.preventDefault();
      setOpen(false, true);
    }
  });
  form.addEventListener('submit', function (event) {
    event.preventDefault();
    var text = input.value;
    if (busy) {
      return;
    }
    if (!text.trim()) {
      return; // nothing typed: nothing to send
    }
    input.value = '';
    resizeInput();
    send(text, text, { typed: true });
  });
  input.addEventListener('keydown', function (event) {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      if (typeof form.requestSubmit === 'function') {
        form.requestSubmit();
      } else {
        form.dispatchEvent(new Event('submit', { cancelable: true }));
      }
    }
  });
  input.addEventListener('input', resizeInput);

  // Clinics can open the chat from their own buttons: window.MiliaChat.open().
  window.MiliaChat = {
    open: function () { setOpen(true, true); },
    close: function () { setOpen(false, false); },
    toggle: function () { setOpen(panel.hidden, true); }
  };

  function mount() {
    document.body.appendChild(host);
    renderAll();
    renderNote();
    fetchConfig();
    setOpen(Boolean(state.open), false);
  }

  if (document.body) {
    mount();
  } else {
    document.addEventListener('DOMContentLoaded', mount);
  }
}());
