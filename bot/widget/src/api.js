// Talking to the bot's widget channel (bot/channels/widget.py). Every failure becomes an
// error with a `kind` the person can be told about: offline, unreachable (server down),
// refused (this site's origin is not in allowed_origins), timeout, server, rejected.

const REQUEST_TIMEOUT_MS = 60000;

function failure(kind, status, detail, data) {
  const error = new Error(kind + (status ? ' (HTTP ' + status + ')' : ''));
  error.kind = kind;
  error.status = status || 0;
  error.detail = detail || '';
  // A 503 may still carry the bot's replies (a red flag is answered even when the
  // conversation could not be saved): they are shown with the error.
  error.messages = data && Array.isArray(data.messages) ? data.messages : [];
  return error;
}

export function createApi(botUrl) {
  const base = botUrl + '/webhooks/widget';
  let explained = false;

  // A browser hides why a cross-origin request failed: a server that is down and one that
  // refused this origin look the same. A no-cors request tells them apart: it succeeds
  // (with an unreadable answer) whenever the server answers at all.
  function diagnose() {
    if (navigator.onLine === false) {
      return Promise.resolve(failure('offline'));
    }
    return fetch(base + '/', { mode: 'no-cors', credentials: 'omit', cache: 'no-store' }).then(
      () => refused(),
      () => failure('unreachable')
    );
  }

  // Tell the site's developer what to change (once per page), in the console.
  function refused(detail) {
    if (!explained && window.console) {
      explained = true;
      window.console.error(
        'Milia chat widget: the assistant at ' + botUrl + ' refused requests from this page\'s origin ' +
        window.location.origin + '. Add "' + window.location.origin + '" to allowed_origins in the bot\'s ' +
        'clinic.yml and restart the bot (see README, "Embed it on your site", troubleshooting). If the ' +
        'page sends a Content-Security-Policy, its connect-src must also allow ' + botUrl + '.'
      );
    }
    return failure('refused', 403, detail);
  }

  function request(path, body, timeoutMs) {
    const controller = window.AbortController ? new AbortController() : null;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      if (controller) {
        controller.abort();
      }
    }, timeoutMs || REQUEST_TIMEOUT_MS);
    const options = {
      method: body === undefined ? 'GET' : 'POST',
      mode: 'cors',
      credentials: 'omit',
      signal: controller ? controller.signal : undefined
    };
    if (body !== undefined) {
      options.headers = { 'Content-Type': 'application/json' };
      options.body = JSON.stringify(body);
    }
    return fetch(base + path, options).then((response) => {
      clearTimeout(timer);
      return response.json().catch(() => null).then((data) => {
        if (response.ok) {
          return data;
        }
        const detail = data && typeof data.error === 'string' ? data.error : '';
        if (response.status === 403 && /origin/i.test(detail)) {
          throw refused(detail);
        }
        if (response.status === 403) {
          throw failure('session', 403, detail); // a conversation id the server no longer knows
        }
        throw failure(response.status >= 500 ? 'server' : 'rejected', response.status, detail, data);
      });
    }, (error) => {
      clearTimeout(timer);
      if (timedOut) {
        throw failure('timeout');
      }
      return diagnose().then((diagnosed) => {
        diagnosed.cause = error;
        throw diagnosed;
      });
    });
  }

  return {
    // A conversation id issued by the server (ids chosen by browsers could be guessed).
    session: () => request('/session', {}).then((data) => {
      if (!data || typeof data.sender !== 'string' || !data.sender) {
        throw failure('server', 200, 'no sender in the session answer');
      }
      return data.sender;
    }),
    send: (sender, message) => request('/webhook', { sender: sender, message: message }),
    forget: (sender) => request('/forget', { sender: sender }),
    config: () => request('/config', undefined, 15000)
  };
}
