// Pure text helpers: which links are safe, how advice text splits into paragraphs and
// bullet points, which phone numbers to make tappable. No DOM here.

import { LEVEL_PREFIX } from './strings.js';

const SAFE_PROTOCOLS = ['http:', 'https:', 'tel:', 'mailto:'];
export const PHONE = /^\+?[0-9][0-9 ()\-]{1,24}$/;

// A URL for http, https, tel and mailto only; anything else (javascript:, data:) is null.
export function safeHref(value) {
  if (typeof value !== 'string' || !value) {
    return null;
  }
  try {
    const url = new URL(value);
    return SAFE_PROTOCOLS.indexOf(url.protocol) === -1 ? null : url.href;
  } catch (error) {
    return null;
  }
}

export function isPhone(value) {
  return typeof value === 'string' && PHONE.test(value);
}

export function telHref(number) {
  return 'tel:' + number.replace(/[^0-9+]/g, '');
}

// The number in "call 911" when the server did not send one with the payload.
export function emergencyNumberFrom(text) {
  const match = /\bcall\s+(\+?[0-9][0-9 ()\-]{0,20}[0-9])\b/i.exec(text || '');
  return match ? match[1] : '';
}

// Trailing punctuation and unbalanced brackets are not part of a bare URL.
export function trimUrl(url) {
  let trailing = '';
  while (url.length) {
    const last = url.charAt(url.length - 1);
    const unbalanced = last === ')' && url.split('(').length < url.split(')').length;
    if ('.,;:!?\'"'.indexOf(last) !== -1 || unbalanced) {
      trailing = last + trailing;
      url = url.slice(0, -1);
    } else {
      break;
    }
  }
  return [url, trailing];
}

function escapeRegExp(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

// [label](url) links, bare URLs, tel: links, and the clinic's own phone numbers as
// written in the advice ("+1 555 0199"), which become tap-to-call links that don't wrap.
export function linkPattern(numbers) {
  const known = (numbers || []).filter(isPhone).sort((a, b) => b.length - a.length).map(escapeRegExp);
  return new RegExp(
    '\\[([^\\]\\n]{1,300})\\]\\(([^()\\s]{1,2000})\\)' +
    '|((?:https?:\\/\\/|mailto:)[^\\s<>"\\u201c\\u201d]+)' +
    '|(tel:\\+?[0-9][0-9().\\-]*[0-9])' +
    (known.length ? '|(^|[\\s(])(' + known.join('|') + ')(?![0-9])' : ''),
    'gi'
  );
}

// "EMERGENCY: call ..." -> "call ..." (capitalised): the heading already names the level.
export function withoutLevelPrefix(text) {
  const rest = text.replace(LEVEL_PREFIX, '');
  return rest === text ? text : rest.charAt(0).toUpperCase() + rest.slice(1);
}

const BULLET = /^\s*(?:[-*\u2022])\s+/;

// Text -> blocks: runs of lines starting with "- ", "* " or "•" become one bullet list,
// other lines paragraphs (a blank line also ends a paragraph).
export function textBlocks(text) {
  const blocks = [];
  let paragraph = [];
  let list = null;
  function endParagraph() {
    if (paragraph.length) {
      blocks.push({ type: 'p', text: paragraph.join('\n') });
      paragraph = [];
    }
  }
  String(text).split('\n').forEach((line) => {
    if (BULLET.test(line)) {
      endParagraph();
      if (!list) {
        list = { type: 'ul', items: [] };
        blocks.push(list);
      }
      list.items.push(line.replace(BULLET, ''));
    } else if (!line.trim()) {
      endParagraph();
      list = null;
    } else if (list && /^\s{2,}/.test(line)) {
      list.items[list.items.length - 1] += ' ' + line.trim(); // a wrapped bullet
    } else {
      list = null;
      paragraph.push(line);
    }
  });
  endParagraph();
  return blocks;
}
