// The widget's fixed parts: launcher, the dialog with its header, confirmation bar,
// conversation, alert, composer and footer note. Only structure and labels here; what
// the parts do is wired in main.js.

import { button, el, icon } from './dom.js';

export function buildView(t, title, lang) {
  const host = el('div');
  host.setAttribute('data-milia-chat', '');
  const shadow = host.attachShadow({ mode: 'open' });
  const root = el('div', 'root');
  root.setAttribute('lang', lang);
  shadow.appendChild(root);

  const launcher = button('launcher', null, t.launcherLabel + title);
  launcher.setAttribute('aria-controls', 'milia-panel');
  launcher.setAttribute('aria-expanded', 'false');
  launcher.setAttribute('aria-haspopup', 'dialog');
  launcher.appendChild(icon('chat', true));
  launcher.appendChild(el('span', null, t.launcher));

  // A <dialog>: shown non-modal beside the page on wide screens, and with showModal()
  // when it covers the page (phones), which keeps focus inside and makes the page inert.
  const panel = el('dialog', 'panel');
  panel.id = 'milia-panel';
  panel.setAttribute('aria-labelledby', 'milia-title');

  const header = el('div', 'header');
  const heading = el('h2', 'title', title);
  heading.id = 'milia-title';
  heading.tabIndex = -1; // where focus goes on open when the keyboard should stay closed
  const restartButton = button('hbtn restart', null, t.startOverLabel);
  restartButton.appendChild(icon('restart'));
  restartButton.appendChild(el('span', null, t.startOver));
  const closeButton = button('hbtn close', null, t.close);
  closeButton.appendChild(icon('close'));
  header.appendChild(heading);
  header.appendChild(restartButton);
  header.appendChild(closeButton);

  const confirmBar = el('div', 'confirm');
  confirmBar.hidden = true;
  confirmBar.setAttribute('role', 'group');
  confirmBar.setAttribute('aria-labelledby', 'milia-confirm-text');
  const confirmText = el('p', 'confirm-text');
  confirmText.id = 'milia-confirm-text';
  const confirmYes = button('confirm-yes', '');
  const confirmNo = button('confirm-no', t.confirmNo);
  const confirmButtons = el('div', 'confirm-buttons');
  confirmButtons.appendChild(confirmYes);
  confirmButtons.appendChild(confirmNo);
  confirmBar.appendChild(confirmText);
  confirmBar.appendChild(confirmButtons);

  // The scrolling area holds the message list and, after it, the alert: an error then
  // appears where the person is reading and covers no button.
  const scroller = el('div', 'scroller');
  scroller.setAttribute('role', 'region');
  scroller.setAttribute('aria-label', t.conversation);
  scroller.tabIndex = 0; // scrollable by keyboard
  const log = el('div', 'log');
  log.setAttribute('role', 'log');
  log.setAttribute('aria-live', 'polite');
  log.setAttribute('aria-relevant', 'additions');
  log.setAttribute('aria-label', t.messages);
  const list = el('ol', 'messages');
  list.setAttribute('role', 'list'); // list-style:none would drop the semantics in Safari
  log.appendChild(list);

  const typing = el('div', 'typing');
  typing.hidden = true;
  typing.setAttribute('aria-hidden', 'true');
  typing.appendChild(el('span'));
  typing.appendChild(el('span'));
  typing.appendChild(el('span'));

  const alertBox = el('div', 'alert');
  alertBox.hidden = true;
  alertBox.setAttribute('role', 'alert');
  const alertText = el('p', 'alert-text');
  const alertEmergency = el('p');
  const retryButton = button('retry', t.retry);
  alertBox.appendChild(alertText);
  alertBox.appendChild(alertEmergency);
  alertBox.appendChild(retryButton);

  scroller.appendChild(log);
  scroller.appendChild(typing);
  scroller.appendChild(alertBox);

  const status = el('div', 'sr');
  status.setAttribute('role', 'status');
  // Emergencies are also said at once, interrupting whatever is being read.
  const urgentAnnouncer = el('div', 'sr');
  urgentAnnouncer.setAttribute('aria-live', 'assertive');
  urgentAnnouncer.setAttribute('aria-atomic', 'true');

  const form = el('form', 'composer');
  form.noValidate = true;
  const inputLabel = el('label', 'sr', t.inputLabel);
  inputLabel.htmlFor = 'milia-input';
  const input = el('textarea', 'input');
  input.id = 'milia-input';
  input.rows = 1;
  input.placeholder = t.placeholder;
  input.setAttribute('autocomplete', 'off');
  input.setAttribute('enterkeyhint', 'send');
  const sendButton = el('button', 'send');
  sendButton.type = 'submit';
  sendButton.setAttribute('aria-label', t.send);
  sendButton.appendChild(icon('send', true));
  form.appendChild(inputLabel);
  form.appendChild(input);
  form.appendChild(sendButton);

  const footer = el('div', 'footer');
  const note = el('p', 'note');
  const deleteButton = button('delete', t.deleteConversation);
  footer.appendChild(note);
  footer.appendChild(deleteButton);

  panel.appendChild(header);
  panel.appendChild(confirmBar);
  panel.appendChild(scroller);
  panel.appendChild(status);
  panel.appendChild(urgentAnnouncer);
  panel.appendChild(form);
  panel.appendChild(footer);
  root.appendChild(launcher);
  root.appendChild(panel);

  return {
    host, shadow, root, launcher, panel, heading, restartButton, closeButton,
    confirmBar, confirmText, confirmYes, confirmNo, scroller, log, list, typing,
    alertBox, alertText, alertEmergency, retryButton, status, urgentAnnouncer,
    form, input, sendButton, note, deleteButton
  };
}
