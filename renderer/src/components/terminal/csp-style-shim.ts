/**
 * Makes xterm.js's run-time styles work under the UI's Content-Security-Policy.
 *
 * Why: xterm.js 6 creates three `<style>` elements while it runs (the scrollbar colours in its
 * viewport; the row dimensions and the theme colours in its DOM renderer) and has no option to
 * avoid them or to give them a nonce (xtermjs/xterm.js#4445). The UI's policy is `style-src 'self'`
 * (electron/shared/ipc-channels.ts): Chromium refuses every inline `<style>`, logs a CSP violation
 * for each, and the terminal loses its theme and row heights. Stylesheets built through the CSSOM
 * (`new CSSStyleSheet()` adopted by the document) are not inline markup and are not subject to
 * `style-src` — the fix xterm.js merged once (#4611) and that 6.0 does not carry.
 *
 * How: once installed, `document.createElement('style')` returns a hidden stand-in element instead.
 * Whatever text is put in it is mirrored into a constructed stylesheet that the document adopts
 * while the element is connected, and releases when it is removed. Nothing in this UI renders a
 * `<style>` of its own (the app's CSS is a built file), so xterm is the only caller; any other
 * caller would get working CSS where the CSP would otherwise have dropped it.
 */

const TAG = 'airlock-cssom-style';

let isInstalled = false;

/** A stand-in for `<style>` whose text becomes an adopted, constructed stylesheet. */
class CssomStyleElement extends HTMLElement {
  private readonly sheet = new CSSStyleSheet();
  private readonly observer = new MutationObserver(() => this.sync());

  connectedCallback(): void {
    this.hidden = true;
    this.sync();
    const doc = this.ownerDocument;
    if (!doc.adoptedStyleSheets.includes(this.sheet)) doc.adoptedStyleSheets = [...doc.adoptedStyleSheets, this.sheet];
    this.observer.observe(this, { childList: true, characterData: true, subtree: true });
  }

  disconnectedCallback(): void {
    this.observer.disconnect();
    const doc = this.ownerDocument;
    doc.adoptedStyleSheets = doc.adoptedStyleSheets.filter((sheet) => sheet !== this.sheet);
  }

  /** The same CSS as the element's text. `replaceSync` refuses only @import, which xterm never writes. */
  private sync(): void {
    this.sheet.replaceSync(this.textContent ?? '');
  }
}

/** Installs the stand-in on `doc` (once; later calls do nothing). */
export function installCspSafeStyles(doc: Document = document): void {
  if (isInstalled) return;
  isInstalled = true;
  if (!customElements.get(TAG)) customElements.define(TAG, CssomStyleElement);
  const createElement = doc.createElement.bind(doc);
  // An own property on this document shadows Document.prototype.createElement for it alone.
  doc.createElement = ((tagName: string, options?: ElementCreationOptions) =>
    tagName.toLowerCase() === 'style' ? createElement(TAG) : createElement(tagName, options)) as Document['createElement'];
}

/** The internal object that builds the DOM renderer's rows (xterm 6.0: DomRendererRowFactory). */
interface RowFactory {
  _addStyle?: (element: HTMLElement, declaration: string) => void;
}

/**
 * xterm's DOM renderer paints a selected cell, a decoration and a 24-bit colour by appending to the
 * cell's style attribute (`span.setAttribute('style', …)`). `style-src 'self'` refuses that — a CSP
 * violation per cell, and the selection stays invisible — while the same declarations set through
 * the CSSOM (`element.style`) are allowed. So the row factory's `_addStyle` is replaced, for this
 * terminal only, by its CSSOM equivalent.
 *
 * `_addStyle` is internal (found through `_core._renderService._renderer.value._rowFactory`, xterm
 * 6.0.0). Returns false, and changes nothing, when it is not there; the e2e test (no console error
 * while a search result is selected) catches that on an upgrade.
 */
export function routeRowStylesThroughCssom(terminal: object): boolean {
  const core = (terminal as { _core?: { _renderService?: { _renderer?: { value?: { _rowFactory?: RowFactory } } } } })._core;
  const factory = core?._renderService?._renderer?.value?._rowFactory;
  if (!factory || typeof factory._addStyle !== 'function') return false;
  factory._addStyle = (element, declaration) => {
    element.style.cssText += `${declaration};`;
  };
  return true;
}
