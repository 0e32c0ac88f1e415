// The host's own UI for patient-idp's flows, drawn from their JSON alone (no page of patient-idp's):
// every flow answers the actions it allows now, each with its fields and their labels.
(() => {
  const root = document.getElementById('flow');
  const idp = root.dataset.idp;
  const kind = root.dataset.flow;

  async function call(method, path, body) {
    const res = await fetch(`${idp}${path}`, {
      method,
      headers: { accept: 'application/json', ...(body ? { 'content-type': 'application/json' } : {}) },
      credentials: 'same-origin',
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, body: await res.json() };
  }

  function field(spec) {
    const label = document.createElement('label');
    label.textContent = spec.label;
    let input;
    if (spec.type === 'choice') {
      input = document.createElement('select');
      for (const option of spec.options ?? []) input.append(new Option(option.label, option.value));
    } else {
      input = document.createElement('input');
      input.type = spec.type === 'hidden' ? 'hidden' : spec.type;
    }
    input.name = spec.name;
    input.required = spec.required;
    label.append(input);
    if (spec.hint) label.append(Object.assign(document.createElement('small'), { textContent: spec.hint }));
    return label;
  }

  /** One form per allowed action; `submit` sends { action, ...fields } and draws what comes back. */
  function draw(flow, submit, error) {
    root.replaceChildren();
    if (error) root.append(Object.assign(document.createElement('p'), { role: 'alert', textContent: error.message }));
    for (const message of flow.messages ?? [])
      root.append(Object.assign(document.createElement('p'), { role: 'alert', textContent: message.text }));
    if (flow.state === 'completed')
      root.append(Object.assign(document.createElement('p'), { textContent: 'You are registered. You may now sign in.' }));
    for (const action of flow.actions ?? []) {
      const form = document.createElement('form');
      for (const spec of action.fields) form.append(field(spec));
      form.append(
        Object.assign(document.createElement('button'), { type: 'submit', textContent: action.action.replace(/_/g, ' ') }),
      );
      form.addEventListener('submit', async (event) => {
        event.preventDefault();
        await submit({ action: action.action, ...Object.fromEntries(new FormData(form)) });
      });
      root.append(form);
    }
  }

  async function registration() {
    const token = location.hash.slice(1);
    const started = await call('POST', '/api/flows/registration', { token });
    if (started.body.error) return draw({}, undefined, started.body.error);
    const step = async (input) => {
      const answer = await call('POST', `/api/flows/registration/${started.body.id}`, input);
      draw(answer.body.flow ?? answer.body, step, answer.body.error);
    };
    draw(started.body.flow ?? started.body, step);
  }

  async function signIn() {
    const uid = new URLSearchParams(location.search).get('uid');
    const step = async (input) => {
      const answer = await call('POST', `/interaction/${encodeURIComponent(uid)}/api`, input);
      if (answer.body.redirectTo) location.assign(answer.body.redirectTo);
      else draw(answer.body.flow ?? answer.body, step, answer.body.error);
    };
    const interaction = await call('GET', `/interaction/${encodeURIComponent(uid)}/api`);
    draw(interaction.body, step);
  }

  void (kind === 'registration' ? registration() : signIn());
})();
