// One conversation entry -> one list item that says who said it. Triage advice gets its
// level as a real heading, the text as paragraphs and bullet points, and ends with what
// to do next: call the emergency number, the clinic or the medical line, book, start again.

import { LEVELS } from './strings.js';
import { appendRichText, button, el, icon, link } from './dom.js';
import { emergencyNumberFrom, isPhone, safeHref, telHref, textBlocks, withoutLevelPrefix } from './text.js';

// Rasa's messages -> stored entries. A {"custom": {"triage_level": ...}} message marks
// the text just before it as that level's advice (utter_triage_* in the domain).
export function toEntries(botMessages, contacts) {
  const entries = [];
  (Array.isArray(botMessages) ? botMessages : []).forEach((message) => {
    if (!message || typeof message !== 'object') {
      return;
    }
    const custom = message.custom && typeof message.custom === 'object' ? message.custom : null;
    if (custom && LEVELS.indexOf(custom.triage_level) !== -1) {
      let target = entries.length ? entries[entries.length - 1] : null;
      if (!target) {
        target = { from: 'bot', text: '' };
        entries.push(target);
      }
      target.triage = custom.triage_level;
      if (isPhone(custom.emergency_number)) {
        target.emergencyNumber = custom.emergency_number;
        contacts.emergency = custom.emergency_number;
      }
    }
    const text = typeof message.text === 'string' ? message.text : '';
    const buttons = Array.isArray(message.buttons) ? message.buttons.filter((b) => (
      b && typeof b.title === 'string' && b.title && (typeof b.payload === 'string' || b.payload === undefined)
    )).map((b) => ({ title: b.title, payload: typeof b.payload === 'string' && b.payload ? b.payload : b.title }))
      : [];
    const image = typeof message.image === 'string' ? message.image : '';
    if (text || buttons.length || image) {
      const entry = { from: 'bot', text: text };
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

function emergencyNumber(message, contacts) {
  const candidates = [message.emergencyNumber, contacts.emergency, emergencyNumberFrom(message.text)];
  for (let i = 0; i < candidates.length; i++) {
    if (isPhone(candidates[i])) {
      return candidates[i];
    }
  }
  return '';
}

function callLink(className, label, number, t) {
  const a = el('a', 'action ' + className);
  a.href = telHref(number);
  a.appendChild(icon('phone', true));
  const words = el('span', 'action-words');
  words.appendChild(el('span', 'action-label', label));
  if (number && label.indexOf(number) === -1) {
    words.appendChild(el('span', 'sr', ', '));
    words.appendChild(el('span', 'action-number', number));
  }
  a.appendChild(words);
  return a;
}

function bookLink(url, t) {
  const a = link(url, '', t, 'action book');
  if (a.nodeType !== 1) {
    return null;
  }
  a.insertBefore(icon('calendar'), a.firstChild);
  a.insertBefore(el('span', 'action-label', t.book), a.childNodes[1]);
  return a;
}

// Follow-ups for a message: the emergency call for emergency advice; for other levels
// and for any answer naming the clinic or the medical line, buttons to call or book.
function actionsFor(message, level, contacts, t, onStartAgain) {
  const actions = [];
  const text = message.text || '';
  if (level === 'emergency') {
    const number = emergencyNumber(message, contacts);
    if (number) {
      actions.push(callLink('call', t.call + number + t.callNow, number, t));
    }
    return actions;
  }
  const mentions = (value) => Boolean(value) && text.indexOf(value) !== -1;
  if (isPhone(contacts.medicalLine) && (level === 'urgent' || mentions(contacts.medicalLine))) {
    actions.push(callLink('medical-line', t.callMedicalLine, contacts.medicalLine, t));
  }
  if (isPhone(contacts.clinicPhone) && (level || mentions(contacts.clinicPhone))) {
    actions.push(callLink('clinic', t.callClinic, contacts.clinicPhone, t));
  }
  if (safeHref(contacts.bookingUrl) && (level || mentions(contacts.bookingUrl))) {
    const book = bookLink(contacts.bookingUrl, t);
    if (book) {
      actions.push(book);
    }
  }
  if (level) {
    const again = button('action start-again', null);
    again.appendChild(icon('restart'));
    again.appendChild(el('span', 'action-label', t.startAgain));
    again.addEventListener('click', onStartAgain);
    actions.push(again);
  }
  return actions;
}

function appendBlocks(parent, text, numbers, t) {
  textBlocks(text).forEach((block) => {
    if (block.type === 'ul') {
      const ul = el('ul', 'points');
      block.items.forEach((item) => {
        const li = el('li');
        appendRichText(li, item, numbers, t);
        ul.appendChild(li);
      });
      parent.appendChild(ul);
    } else {
      const p = el('p', 'para');
      appendRichText(p, block.text, numbers, t);
      parent.appendChild(p);
    }
  });
}

export function renderMessage(message, context) {
  const t = context.t;
  const contacts = context.contacts;
  const fromUser = message.from === 'user';
  const item = el('li', 'item ' + (fromUser ? 'user' : 'bot'));
  const bubble = el('div', 'msg ' + (fromUser ? 'user' : 'bot'));
  bubble.appendChild(el('span', 'sr', fromUser ? t.youSaid : t.assistantSaid));
  const level = LEVELS.indexOf(message.triage) === -1 ? '' : message.triage;
  let text = message.text || '';
  if (level) {
    bubble.className += ' triage triage-' + level;
    const heading = el('h3', 'heading');
    heading.appendChild(icon(level === 'emergency' ? 'warning' : 'info'));
    heading.appendChild(el('span', null, t.levels[level]));
    bubble.appendChild(heading);
    text = withoutLevelPrefix(text);
  }
  if (fromUser) {
    bubble.appendChild(el('p', 'para', text));
  } else if (text) {
    const numbers = [contacts.emergency, contacts.clinicPhone, contacts.medicalLine, message.emergencyNumber];
    appendBlocks(bubble, text, numbers, t);
  }
  if (message.image) {
    const p = el('p', 'para');
    p.appendChild(link(message.image, t.image, t));
    bubble.appendChild(p);
  }
  if (!fromUser) {
    const actions = actionsFor(message, level, contacts, t, context.onStartAgain);
    if (actions.length) {
      const group = el('div', 'actions');
      group.setAttribute('role', 'group');
      group.setAttribute('aria-label', t.nextSteps);
      actions.forEach((action) => group.appendChild(action));
      // In an emergency the call comes first, under the heading, visible without scrolling.
      bubble.insertBefore(group, level === 'emergency' ? bubble.children[2] || null : null);
    }
  }
  item.appendChild(bubble);
  return item;
}

export function renderReplies(buttons, t, onReply) {
  const group = el('div', 'replies');
  group.setAttribute('role', 'group');
  group.setAttribute('aria-label', t.suggestions);
  buttons.forEach((choice) => {
    const reply = button('reply', choice.title);
    reply.addEventListener('click', () => onReply(choice, reply));
    group.appendChild(reply);
  });
  return group;
}
