// Passkeys on our pages: an enhancement over forms that work without JavaScript. Elements say
// what to do with data attributes; every step goes through the same JSON API a headless client
// uses (the interaction's /interaction/<uid>/api, the account centre's /api/account), whose JSON
// bodies a cross-site form cannot send. Uses @simplewebauthn/browser (window.SimpleWebAuthnBrowser).
(() => {
  'use strict';
  const webauthn = window.SimpleWebAuthnBrowser;
  if (!webauthn || !webauthn.browserSupportsWebAuthn()) return;

  async function post(url, body) {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      credentials: 'same-origin',
      body: JSON.stringify(body),
    });
    const json = await res.json().catch(() => ({}));
    if (!res.ok) throw Object.assign(new Error((json.error && json.error.message) || 'failed'), { json });
    return json;
  }

  function say(text) {
    const status = document.querySelector('[data-passkey-status]');
    if (status) {
      status.textContent = text;
      status.hidden = false;
    }
  }

  /** Sign in with a passkey: a button, and the browser's own suggestion in the username field. */
  async function signIn(element, options) {
    const url = element.dataset.passkeySignin;
    const action = element.dataset.passkeyAction || 'passkey_login';
    const started = await post(url, { action: 'passkey_options' });
    const answer = await webauthn.startAuthentication({
      optionsJSON: started.passkeyOptions,
      useBrowserAutofill: options.autofill,
    });
    const done = await post(url, { action, response: answer });
    if (done.redirectTo) window.location.assign(done.redirectTo);
  }

  for (const button of document.querySelectorAll('button[data-passkey-signin]')) {
    button.hidden = false;
    button.addEventListener('click', (event) => {
      event.preventDefault();
      signIn(button, { autofill: false }).catch((error) => say(error.message));
    });
  }

  // Conditional UI: offer the patient's passkeys in the username field's suggestions.
  const signInButton = document.querySelector('button[data-passkey-signin]');
  const autofill = document.querySelector('input[autocomplete~="webauthn"]');
  if (signInButton && autofill && webauthn.browserSupportsWebAuthnAutofill) {
    webauthn.browserSupportsWebAuthnAutofill().then((supported) => {
      if (supported) signIn(signInButton, { autofill: true }).catch(() => undefined);
    });
  }

  // The account centre: add a passkey under the name typed.
  const add = document.querySelector('form[data-passkey-register]');
  if (add) {
    add.hidden = false;
    add.addEventListener('submit', async (event) => {
      event.preventDefault();
      const url = add.dataset.passkeyRegister;
      try {
        const started = await post(url, { action: 'passkey_options' });
        const answer = await webauthn.startRegistration({ optionsJSON: started.passkeyOptions });
        await post(url, { action: 'add_passkey', name: new FormData(add).get('name') || '', response: answer });
        window.location.assign(add.dataset.passkeyDone || window.location.href);
      } catch (error) {
        if (error.json && error.json.error && error.json.error.data && error.json.error.data.reauthenticateUrl) {
          window.location.assign(error.json.error.data.reauthenticateUrl);
          return;
        }
        say(error.message);
      }
    });
  }
})();
