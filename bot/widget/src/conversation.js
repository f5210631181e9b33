// The conversation: sending messages, showing replies where they can be read from the
// start, errors that say what happened, starting over and deleting. The server issues
// the conversation id (POST /session); the browser only keeps it once the chat is opened.

import { emptyState } from './store.js';
import { link } from './dom.js';
import { isPhone, telHref } from './text.js';
import { renderMessage, renderReplies, toEntries } from './messages.js';

export function createConversation(app) {
  const t = app.t;
  const view = app.view;
  let busy = false;
  let pending = null; // what to send again after a failure
  let renewed = false; // the server had forgotten the conversation: say a new one started

  function context() {
    return { t: t, contacts: app.state.contacts, onStartAgain: () => app.askStartOver() };
  }

  function save() {
    app.store.write(app.state);
  }

  // ---------------------------------------------------------------- showing messages

  function onReply(choice) {
    send(choice.payload, choice.title, { fromReply: true });
  }

  function removeReplies() {
    Array.prototype.forEach.call(view.list.querySelectorAll('.replies'), (group) => group.remove());
  }

  function appendEntry(message, withReplies) {
    const item = renderMessage(message, context());
    if (withReplies && message.buttons && message.buttons.length) {
      item.appendChild(renderReplies(message.buttons, t, onReply));
    }
    view.list.appendChild(item);
    return item;
  }

  // The start of `item` at the top of the visible area (or as far as the list scrolls):
  // a long answer is read from its beginning, with its heading, not from its end.
  function reveal(item) {
    if (item) {
      view.scroller.scrollTop = Math.max(0, item.offsetTop - 8);
    }
  }

  function scrollToEnd() {
    view.scroller.scrollTop = view.scroller.scrollHeight;
  }

  // Quick replies belong to the bot's latest turn only.
  function renderAll() {
    view.list.textContent = '';
    let lastUser = -1;
    app.state.messages.forEach((message, index) => {
      if (message.from === 'user') {
        lastUser = index;
      }
    });
    let firstOfLastTurn = null;
    app.state.messages.forEach((message, index) => {
      const item = appendEntry(message, index > lastUser);
      if (index === lastUser + 1) {
        firstOfLastTurn = item;
      }
    });
    reveal(firstOfLastTurn);
  }

  function renderNote() {
    view.note.textContent = t.note;
    const number = app.state.contacts.emergency;
    if (isPhone(number)) {
      view.note.appendChild(document.createTextNode(t.noteEmergency));
      view.note.appendChild(link(telHref(number), t.call + number, t));
    }
  }

  function announceEmergency(entries) {
    const emergency = entries.filter((entry) => entry.triage === 'emergency')[0];
    if (!emergency) {
      return;
    }
    const number = app.state.contacts.emergency;
    view.urgentAnnouncer.textContent = '';
    setTimeout(() => {
      view.urgentAnnouncer.textContent = t.levels.emergency + '. ' +
        (isPhone(number) ? t.call + number + t.callNow + '.' : t.emergencyUnknown);
    }, 50);
  }

  // ---------------------------------------------------------------- errors

  function showAlert(error, messageKey, keepScroll) {
    const kind = messageKey || (error && error.kind) || 'unreachable';
    view.alertText.textContent = t.errors[kind] || t.errors.unreachable;
    view.alertEmergency.textContent = '';
    const number = app.state.contacts.emergency;
    if (isPhone(number)) {
      view.alertEmergency.appendChild(document.createTextNode(t.emergencyKnown));
      view.alertEmergency.appendChild(link(telHref(number), number, t));
      view.alertEmergency.appendChild(document.createTextNode(t.emergencyKnownEnd));
    } else {
      view.alertEmergency.textContent = t.emergencyUnknown;
    }
    view.retryButton.hidden = kind === 'refused' || kind === 'rejected';
    view.alertBox.hidden = false;
    if (!keepScroll) {
      scrollToEnd();
    }
  }

  function hideAlert() {
    view.alertBox.hidden = true;
  }

  // ---------------------------------------------------------------- talking to the bot

  function ensureSession() {
    if (app.state.sender) {
      return Promise.resolve(app.state.sender);
    }
    return app.api.session().then((sender) => {
      app.state.sender = sender;
      save();
      return sender;
    });
  }

  function post(payload) {
    return ensureSession().then((sender) => app.api.send(sender, payload)).catch((error) => {
      if (error.kind !== 'session') {
        throw error;
      }
      // The server no longer knows this id (expired or deleted): a new conversation.
      app.state.sender = '';
      renewed = true;
      return ensureSession().then((sender) => app.api.send(sender, payload));
    });
  }

  function setBusy(value) {
    busy = value;
    view.typing.hidden = !value;
    view.status.textContent = value ? t.typing : '';
    view.sendButton.setAttribute('aria-disabled', value ? 'true' : 'false');
    view.log.setAttribute('aria-busy', value ? 'true' : 'false');
  }

  // Send `payload`; show `display` as the person's message (null: send silently). On
  // failure their bubble goes, typed text goes back into the box and "Try again" resends
  // it, so nothing they wrote is lost.
  function send(payload, display, options) {
    options = options || {};
    if (busy) {
      return Promise.resolve(false);
    }
    hideAlert();
    let userEntry = null;
    let userItem = null;
    if (display !== null && display !== undefined) {
      userEntry = { from: 'user', text: display };
      userItem = renderMessage(userEntry, context());
      view.list.appendChild(userItem);
    }
    setBusy(true);
    scrollToEnd();
    return post(payload).then((botMessages) => {
      setBusy(false);
      pending = null;
      showTurn(botMessages, userEntry, options);
      if (renewed) {
        renewed = false;
        view.status.textContent = t.newSession;
      }
      return true;
    }, (error) => {
      setBusy(false);
      if (error && error.messages && error.messages.length) {
        // Answered but not saved: show the answer (it may be emergency advice) and say so.
        showTurn(error.messages, userEntry, options);
        pending = null;
        showAlert(error, null, true);
        return false;
      }
      if (userItem) {
        userItem.remove(); // only new nodes reach the live log
      }
      if (options.typed && !view.input.value) {
        view.input.value = payload;
        app.resizeInput();
      }
      pending = { payload: payload, display: display, options: options };
      showAlert(error);
      if (window.console && error && !error.kind) {
        window.console.error('Milia chat widget:', error);
      }
      return false;
    });
  }

  function showTurn(botMessages, userEntry, options) {
    const entries = toEntries(botMessages, app.state.contacts);
    const focusWasLost = !view.shadow.activeElement;
    removeReplies();
    if (options.clearFirst) {
      app.state.messages = [];
      renderAll();
    }
    if (userEntry) {
      app.state.messages.push(userEntry);
    }
    app.state.messages = app.state.messages.concat(entries);
    const items = entries.map((entry) => appendEntry(entry, true));
    reveal(items[0]);
    renderNote();
    save();
    announceEmergency(entries);
    // A reply button that was pressed is gone now: focus goes to the answer it brought.
    if (items[0] && app.isOpen() && (options.fromReply || options.clearFirst || focusWasLost)) {
      items[0].tabIndex = -1;
      items[0].focus({ preventScroll: true });
    }
  }

  function start() {
    // The bot's session start gives the disclaimer before anything else.
    return app.configLoaded().then(() => send('/greet', null)).then((ok) => {
      if (ok) {
        app.state.started = true;
        save();
      }
      return ok;
    });
  }

  function startOver() {
    if (busy) {
      return Promise.resolve(false);
    }
    // The list is cleared when the bot confirms; if it can't be reached the
    // conversation stays as it was and the alert says so.
    return send('/restart', null, { clearFirst: true }).then((ok) => {
      const hasText = app.state.messages.some((m) => m.from === 'bot' && m.text);
      if (ok && !hasText) {
        return start();
      }
      if (ok) {
        app.state.started = true;
        save();
      }
      return ok;
    });
  }

  // Deleted on the server first; only then is the browser's copy cleared, so a failure
  // leaves everything as it was and says so.
  function deleteConversation() {
    if (busy) {
      return Promise.resolve(false);
    }
    hideAlert();
    const sender = app.state.sender;
    const forgotten = sender ? app.api.forget(sender).catch((error) => {
      if (error.kind === 'session') {
        return { deleted: true }; // the server holds nothing for it
      }
      throw error;
    }) : Promise.resolve({ deleted: true });
    return forgotten.then(() => {
      const contacts = app.state.contacts; // the clinic's numbers, nothing personal
      app.store.clear();
      app.state = emptyState(true);
      app.state.contacts = contacts;
      pending = null;
      view.list.textContent = '';
      save();
      return start().then((ok) => {
        view.status.textContent = t.deleted;
        return ok;
      });
    }, (error) => {
      showAlert(error, error.kind === 'refused' ? 'refused' : 'deleteFailed');
      pending = { run: deleteConversation };
      return false;
    });
  }

  function retry() {
    if (!pending) {
      hideAlert();
      return;
    }
    let again = pending;
    if (again.run) {
      again.run();
      return;
    }
    if (again.options.typed) {
      if (view.input.value.trim() !== again.payload.trim()) {
        again = { payload: view.input.value, display: view.input.value, options: again.options };
      }
      view.input.value = '';
      app.resizeInput();
    }
    if (again.display === null && again.payload === '/restart') {
      startOver();
    } else if (again.display === null && again.payload === '/greet') {
      start();
    } else {
      send(again.payload, again.display, again.options);
    }
  }

  return {
    send: send,
    start: start,
    startOver: startOver,
    deleteConversation: deleteConversation,
    retry: retry,
    renderAll: renderAll,
    renderNote: renderNote,
    isBusy: () => busy,
    revealLastTurn: () => {
      const items = view.list.querySelectorAll('.item.user');
      const lastUser = items.length ? items[items.length - 1] : null;
      reveal(lastUser && lastUser.nextElementSibling ? lastUser.nextElementSibling : view.list.firstElementChild);
    }
  };
}
