// Building nodes. Message text is never parsed as HTML: every node is made with
// createElement and textContent, and only safe links (text.js) become clickable.

import { linkPattern, safeHref, trimUrl, telHref } from './text.js';

const SVG_NS = 'http://www.w3.org/2000/svg';

const ICONS = {
  chat: 'M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4H4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z',
  close: 'M6 6l12 12M18 6L6 18',
  restart: 'M4 12a8 8 0 1 0 2.34-5.66M4 4v4h4',
  send: 'M4 12l16-8-6 16-2.5-6.5z',
  warning: 'M12 3l10 18H2zM12 10v5M12 18v.5',
  info: 'M12 2a10 10 0 1 0 0 20 10 10 0 0 0 0-20zM12 11v6M12 7.5v.5',
  calendar: 'M4 6h16v14H4zM4 10h16M8 3v5M16 3v5',
  phone: 'M6.6 10.8a15 15 0 0 0 6.6 6.6l2.2-2.2a1 1 0 0 1 1-.25 11.4 11.4 0 0 0 3.6.57 1 1 0 0 1 1 1V20a1 ' +
    '1 0 0 1-1 1A17 17 0 0 1 3 4a1 1 0 0 1 1-1h3.5a1 1 0 0 1 1 1c0 1.25.2 2.45.57 3.57a1 1 0 0 1-.25 1z'
};

export function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) {
    node.className = className;
  }
  if (text !== undefined && text !== null) {
    node.textContent = text;
  }
  return node;
}

export function button(className, text, label) {
  const node = el('button', className, text);
  node.type = 'button';
  if (label) {
    node.setAttribute('aria-label', label);
  }
  return node;
}

export function icon(name, filled) {
  const svg = document.createElementNS(SVG_NS, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  const path = document.createElementNS(SVG_NS, 'path');
  path.setAttribute('d', ICONS[name]);
  path.setAttribute('fill', filled ? 'currentColor' : 'none');
  path.setAttribute('stroke', 'currentColor');
  path.setAttribute('stroke-width', filled ? '1' : '2.2');
  path.setAttribute('stroke-linecap', 'round');
  path.setAttribute('stroke-linejoin', 'round');
  svg.appendChild(path);
  return svg;
}

// A link only for a safe URL; anything else stays plain text. Web links open in a new
// tab (said to screen readers), tel: and mailto: in place.
export function link(href, label, t, className) {
  const safe = safeHref(href);
  if (!safe) {
    return document.createTextNode(label);
  }
  const a = el('a', className || null, label);
  a.href = safe;
  if (/^https?:/i.test(safe)) {
    a.target = '_blank';
    a.rel = 'noopener noreferrer';
    a.appendChild(el('span', 'sr', t.openLink));
  }
  return a;
}

// Text with its links made clickable; `numbers` are phone numbers to make tappable.
export function appendRichText(parent, text, numbers, t) {
  const pattern = linkPattern(numbers);
  let last = 0;
  let match;
  while ((match = pattern.exec(text)) !== null) {
    if (match.index > last) {
      parent.appendChild(document.createTextNode(text.slice(last, match.index)));
    }
    if (match[1] !== undefined) {
      // An unsafe [label](url) stays visible as written, so nothing is hidden.
      parent.appendChild(safeHref(match[2]) ? link(match[2], match[1], t) : document.createTextNode(match[0]));
    } else if (match[6] !== undefined) {
      if (match[5]) {
        parent.appendChild(document.createTextNode(match[5]));
      }
      parent.appendChild(link(telHref(match[6]), match[6], t, 'phone'));
    } else {
      const parts = trimUrl(match[3] || match[4]);
      parent.appendChild(link(parts[0], parts[0], t));
      if (parts[1]) {
        parent.appendChild(document.createTextNode(parts[1]));
      }
    }
    last = pattern.lastIndex;
    if (match[0] === '') {
      pattern.lastIndex += 1; // never loop on an empty match
    }
  }
  if (last < text.length) {
    parent.appendChild(document.createTextNode(text.slice(last)));
  }
}
