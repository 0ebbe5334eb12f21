/**
 * Escaping for HTML text and attribute values. Every string that reaches a page from data (alert names,
 * label values, details, file names) goes through one of these, so no value can open a tag or an attribute.
 */
import { FiredrillError } from '../../core/errors.ts';

const replacements: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes the five characters that are special in HTML text or a quoted attribute value. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => replacements[c] ?? c);
}

/** Extra attributes of a drawn element, e.g. `{ 'data-alert': name }`; values are escaped, names checked. */
export type Attrs = Readonly<Record<string, string | number>>;

const attrName = /^[a-z][a-z0-9-]*$/;

/**
 * ` name="value"` for each entry, in order. A name that is not a plain lower-case attribute name is a
 * programming error (names are never data), so it throws rather than being written.
 */
export function attrs(values: Attrs | undefined): string {
  if (values === undefined) return '';
  let out = '';
  for (const [name, value] of Object.entries(values)) {
    if (!attrName.test(name)) {
      throw new FiredrillError('FD_INTERNAL', `not an attribute name: ${JSON.stringify(name)}`);
    }
    out += ` ${name}="${escapeHtml(String(value))}"`;
  }
  return out;
}

/**
 * A relative link target made safe for href: each path segment percent-encoded, so a run folder name can
 * neither leave the attribute nor become a `javascript:` URL.
 */
export function hrefOf(relativePath: string): string {
  return relativePath
    .split('/')
    .map((segment) => encodeURIComponent(segment))
    .join('/');
}
