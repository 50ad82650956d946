import { FitAddon } from '@xterm/addon-fit';
import { SearchAddon } from '@xterm/addon-search';
import { Terminal } from '@xterm/xterm';
import '@xterm/xterm/css/xterm.css';
import { type Disposable, toDisposable } from '../../../../electron/shared/disposable';
import { installCspSafeStyles, routeRowStylesThroughCssom } from './csp-style-shim';

/** The page's palette (styles.css :root), so the terminal sits in the UI rather than on it. */
const THEME = {
  background: '#0b0e12',
  foreground: '#d7dce3',
  cursor: '#0b0e12',
  selectionBackground: '#2f4f73',
  black: '#1e242c',
  red: '#f0605d',
  green: '#3fb97a',
  yellow: '#e3b341',
  blue: '#5ab0ff',
  magenta: '#b48cff',
  cyan: '#4cc9d0',
  white: '#d7dce3',
  brightBlack: '#6b7585',
  brightRed: '#ff8582',
  brightGreen: '#6fd49d',
  brightYellow: '#f2cd6b',
  brightBlue: '#8ac6ff',
  brightMagenta: '#cdb0ff',
  brightCyan: '#7fe0e5',
  brightWhite: '#ffffff',
};

/** Lines the terminal keeps: about what the core's 2 M-character ring holds at ~100 characters a line. */
const SCROLLBACK_LINES = 20_000;

/** A buffer row, as the helpers that scan the terminal read it. */
export interface TerminalRow {
  text: string;
  isWrapped: boolean;
}

/**
 * One read-only xterm.js terminal with fit and search: output in, nothing typed out. Owns the
 * terminal, its addons and its resize observer; `dispose()` releases them all.
 */
export class XtermController implements Disposable {
  private readonly terminal: Terminal;
  private readonly fitAddon = new FitAddon();
  // No search decorations (they need xterm's proposed API): the active match is the selection.
  private readonly searchAddon = new SearchAddon();
  private readonly disposables: Disposable[] = [];
  private isDisposed = false;

  constructor(element: HTMLElement) {
    installCspSafeStyles(element.ownerDocument);
    this.terminal = new Terminal({
      // The pty runs in raw mode: the kernel does not turn "\n" into "\r\n", so the terminal does.
      convertEol: true,
      disableStdin: true,
      scrollback: SCROLLBACK_LINES,
      cursorBlink: false,
      cursorInactiveStyle: 'none',
      fontFamily: "ui-monospace, 'DejaVu Sans Mono', Menlo, Consolas, monospace",
      fontSize: 12,
      lineHeight: 1.15,
      theme: THEME,
    });
    this.terminal.loadAddon(this.fitAddon);
    this.terminal.loadAddon(this.searchAddon);
    this.terminal.open(element);
    if (!routeRowStylesThroughCssom(this.terminal)) console.warn('xterm internals changed: selected and 24-bit coloured cells will be refused by the CSP');
    // Hide the cursor: nobody types here, and a block at the end of a log reads as a prompt.
    this.terminal.write('\x1b[?25l');
    this.fit();

    let frame = 0;
    const observer = new ResizeObserver(() => {
      cancelAnimationFrame(frame);
      frame = requestAnimationFrame(() => this.fit());
    });
    observer.observe(element);
    this.disposables.push(
      toDisposable(() => {
        cancelAnimationFrame(frame);
        observer.disconnect();
      }),
    );
  }

  /** Hands output to the terminal; `onParsed` runs once xterm has processed it (the flow-control ack). */
  write(text: string, onParsed?: () => void): void {
    if (this.isDisposed) return;
    this.terminal.write(text, onParsed);
  }

  /** A line from Airlock itself (not from the unit), in bold yellow so it cannot pass for output. */
  writeNotice(text: string): void {
    this.write(`\r\n\x1b[1;33m${text}\x1b[0m\r\n`);
  }

  /** Clears the screen and the scrollback. */
  reset(): void {
    if (this.isDisposed) return;
    this.terminal.reset();
    this.terminal.write('\x1b[?25l');
  }

  /** Selects the next match (case-insensitive, wrapping at the end) and scrolls to it. */
  findNext(query: string): boolean {
    return query !== '' && this.searchAddon.findNext(query);
  }

  findPrevious(query: string): boolean {
    return query !== '' && this.searchAddon.findPrevious(query);
  }

  clearSearch(): void {
    this.terminal.clearSelection();
  }

  /** Where the selection starts, as buffer row and column (0-based), if there is one. */
  get selectionStart(): { row: number; col: number } | null {
    const range = this.terminal.getSelectionPosition();
    return range ? { row: range.start.y, col: range.start.x } : null;
  }

  get selection(): string {
    return this.terminal.getSelection();
  }

  onSelectionChange(listener: () => void): Disposable {
    return this.terminal.onSelectionChange(listener);
  }

  /**
   * Every row of the buffer (scrollback and screen), oldest first. A row that continues on the next
   * keeps its trailing blanks, so the columns of a wrapped line add up.
   */
  rows(): TerminalRow[] {
    const buffer = this.terminal.buffer.active;
    const rows: TerminalRow[] = [];
    for (let i = 0; i < buffer.length; i += 1) {
      const line = buffer.getLine(i);
      const continues = buffer.getLine(i + 1)?.isWrapped ?? false;
      rows.push({ text: line?.translateToString(!continues) ?? '', isWrapped: line?.isWrapped ?? false });
    }
    return rows;
  }

  /** Scrolls `row` into view (a little context above it) and selects its whole logical line. */
  revealRow(row: number): void {
    const buffer = this.terminal.buffer.active;
    let span = 1;
    while (buffer.getLine(row + span)?.isWrapped) span += 1;
    this.terminal.scrollToLine(Math.max(0, row - 3));
    this.terminal.select(0, row, this.terminal.cols * span);
  }

  fit(): void {
    if (this.isDisposed) return;
    try {
      this.fitAddon.fit();
    } catch {
      // A hidden container has no size to fit to; the next resize fits it.
    }
  }

  dispose(): void {
    if (this.isDisposed) return;
    this.isDisposed = true;
    for (const disposable of this.disposables.splice(0).reverse()) void disposable.dispose();
    this.searchAddon.dispose();
    this.fitAddon.dispose();
    this.terminal.dispose();
  }
}
