// The form's behaviour: presets, the uniform-importance box, the sparsity slider beside the list,
// λ or k by architecture, the set size only with correlated sets, and the messages beside the
// fields (errors stop training, warnings do not). Changes are reported to one callback, which
// keeps the URL and the commands in step.

import { SAE_ARCHS } from 'superposition-lab';
import { FIELDS, control, inUse, readForm, writeForm, type FormValues } from './fields.js';
import type { FieldMessages } from './configs.js';
import { PRESETS } from './presets.js';

function byId<T extends HTMLElement>(id: string): T {
  return document.getElementById(id) as T;
}

/** Fill the select lists that come from the library or the presets. */
function fillChoices(): void {
  const arch = byId<HTMLSelectElement>('arch');
  for (const name of SAE_ARCHS) arch.add(new Option(name, name));
  const preset = byId<HTMLSelectElement>('preset');
  for (const { id, label } of PRESETS) preset.add(new Option(label, id));
}

/** The parts of the form that follow other fields: the uniform box, the slider, λ or k. */
export function syncDependents(): void {
  const decay = control('importance-decay');
  const uniform = byId<HTMLInputElement>('uniform');
  uniform.checked = decay.value.trim() === '1';
  const values = readForm();
  byId('l1-field').hidden = !inUse(values, 'l1');
  byId('k-field').hidden = !inUse(values, 'k');
  byId('correlation-set-field').hidden = !inUse(values, 'correlation-set');
  const list = values.sparsity.split(/[\s,]+/).filter((s) => s !== '');
  const slider = byId<HTMLInputElement>('sparsity-slider');
  const last = Number(list[list.length - 1]);
  if (list.length > 0 && Number.isFinite(last)) slider.value = String(Math.min(0.99, Math.max(0, last)));
  byId<HTMLOutputElement>('sparsity-slider-value').value = slider.value;
}

/** Show each message beside its field ('' for the form as a whole); clear the others. */
export function showMessages(errors: FieldMessages, warnings: FieldMessages, extra: string[] = []): void {
  for (const { flag } of FIELDS) {
    const element = byId(`${flag}-message`);
    const error = errors[flag];
    element.textContent = error ?? warnings[flag] ?? '';
    element.className = `message ${error ? 'error' : warnings[flag] ? 'warning' : ''}`;
    control(flag).setAttribute('aria-invalid', error ? 'true' : 'false');
  }
  const general = [errors[''], warnings[''], ...extra].filter((text): text is string => !!text);
  const formMessage = byId('form-message');
  formMessage.textContent = general.join(' ');
  formMessage.className = `form-message ${errors[''] ? 'error' : general.length > 0 ? 'warning' : ''}`;
}

/** Wire the form: `changed(part)` after every edit (part: which fieldset changed). */
export function wireForm(changed: (part: 'toy' | 'sae') => void): void {
  fillChoices();
  for (const { flag, part } of FIELDS)
    control(flag).addEventListener('input', () => {
      syncDependents();
      changed(part);
    });
  byId<HTMLSelectElement>('preset').addEventListener('change', (event) => {
    const preset = PRESETS.find((p) => p.id === (event.target as HTMLSelectElement).value);
    if (!preset) return;
    const values: Partial<FormValues> = { ...Object.fromEntries(FIELDS.filter((f) => f.part === 'sae').map((f) => [f.flag, readForm()[f.flag]])), ...preset.values };
    writeForm(values);
    syncDependents();
    changed('toy');
  });
  byId<HTMLInputElement>('uniform').addEventListener('change', (event) => {
    const decay = control('importance-decay');
    decay.value = (event.target as HTMLInputElement).checked ? '1' : '0.9';
    syncDependents();
    changed('toy');
  });
  const slider = byId<HTMLInputElement>('sparsity-slider');
  slider.addEventListener('input', () => {
    control('sparsity').value = slider.value;
    syncDependents();
    changed('toy');
  });
  byId('sparsity-add').addEventListener('click', () => {
    const list = control('sparsity');
    list.value = list.value.trim() === '' ? slider.value : `${list.value.trim()}, ${slider.value}`;
    syncDependents();
    changed('toy');
  });
}
