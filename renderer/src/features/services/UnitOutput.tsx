import { type FormEvent, useEffect, useRef, useState } from 'react';
import type { UnitView } from '../../../../electron/shared/services';
import { useApi, useConnectionState } from '../../api/api-context';
import { useXterm } from '../../components/terminal/use-xterm';
import { copyText } from '../../lib/copy-text';
import { readFullLog, readWholeRing, ringCopyToFile, saveBytesFile, saveTextFile } from './download-output';
import { OutputFeed } from './output-feed';
import { droppedNotice, findMatches, firstMatchingRow } from './output-text';

type SearchResult = { resultIndex: number; resultCount: number } | 'none' | null;

/**
 * The live terminal of one unit, with find, copy, "jump to first error" and download. Output is
 * pulled slice by slice through an {@link OutputFeed}: see there for the flow control.
 */
export function UnitOutput({ unit }: { unit: UnitView }) {
  const api = useApi();
  const connection = useConnectionState();
  const [setTerminalElement, terminal] = useXterm();
  const feedRef = useRef<OutputFeed | null>(null);
  const [droppedChars, setDroppedChars] = useState(0);
  const [earlierChars, setEarlierChars] = useState(0);
  const [feedError, setFeedError] = useState<string | null>(null);
  const [query, setQuery] = useState('');
  const [searchResult, setSearchResult] = useState<SearchResult>(null);
  const [hasSelection, setHasSelection] = useState(false);
  const [note, setNote] = useState<{ ok: boolean; text: string } | null>(null);
  const [isDownloading, setIsDownloading] = useState(false);
  const name = unit.name;

  useEffect(() => {
    if (!terminal) return;
    const feed = new OutputFeed({
      pull: (fromOffset, maxBytes) => api.call('services.output', { name, fromOffset, maxBytes }),
      write: (text, onParsed) => terminal.write(text, onParsed),
      onGap: (chars, isAtStart) => {
        terminal.writeNotice(droppedNotice(chars, isAtStart));
        if (isAtStart) setEarlierChars(chars);
        else setDroppedChars((n) => n + chars);
      },
      onCoreRestart: () => {
        terminal.reset();
        terminal.writeNotice('— The Airlock core restarted: output since its new start —');
        setDroppedChars(0);
        setEarlierChars(0);
      },
      onError: (error) => setFeedError(error.message),
    });
    feedRef.current = feed;
    const outputEvents = api.on('services.output', (event) => {
      if (event.unit === name) feed.notify(event.endOffset);
    });
    const selection = terminal.onSelectionChange(() => setHasSelection(terminal.selection.length > 0));
    feed.resume();
    return () => {
      void outputEvents.dispose();
      void selection.dispose();
      feed.dispose();
      feedRef.current = null;
    };
  }, [api, terminal, name]);

  // Back from a disconnect: events were missed, so ask from where the feed stands.
  useEffect(() => {
    if (connection.status !== 'connected') return;
    // Clearing the previous connection's error is part of resuming, not derived state.
    // eslint-disable-next-line react-hooks/set-state-in-effect
    setFeedError(null);
    feedRef.current?.resume();
  }, [connection.status]);

  // services.changed carries the end offset too: a second, slower doorbell.
  useEffect(() => {
    feedRef.current?.notify(unit.output.endOffset);
  }, [unit.output.endOffset]);

  const find = (direction: 'next' | 'previous') => {
    if (!terminal || query === '') return;
    const found = direction === 'next' ? terminal.findNext(query) : terminal.findPrevious(query);
    if (!found) {
      setSearchResult('none');
      return;
    }
    // The addon selects the match it moved to; its place among all matches gives "n of m".
    const matches = findMatches(terminal.rows(), query);
    const at = terminal.selectionStart;
    setSearchResult({ resultIndex: at ? matches.findIndex((m) => m.row === at.row && m.col === at.col) : -1, resultCount: matches.length });
  };

  const onFind = (event: FormEvent) => {
    event.preventDefault();
    find('next');
  };

  const onQuery = (text: string) => {
    setQuery(text);
    setSearchResult(null);
    if (text === '') terminal?.clearSearch();
  };

  const copySelection = async () => {
    const text = terminal?.selection ?? '';
    if (text === '') return;
    const isCopied = await copyText(text);
    setNote(isCopied ? { ok: true, text: `Copied ${text.length.toLocaleString('en-US')} characters.` } : { ok: false, text: 'The browser refused to copy; select the text and press Ctrl+C.' });
  };

  const jumpToError = () => {
    if (!terminal) return;
    const row = firstMatchingRow(terminal.rows());
    if (row === -1) {
      setNote({ ok: true, text: 'No line with "error", "traceback", "exception" or "fatal" in the terminal.' });
      return;
    }
    terminal.revealRow(row);
    setHasSelection(true);
    setNote(null);
  };

  const download = async () => {
    setIsDownloading(true);
    setNote(null);
    try {
      const copy = await readWholeRing((fromOffset, maxBytes) => api.call('services.output', { name, fromOffset, maxBytes }));
      const stamp = new Date();
      saveTextFile(`${name}-output-${stamp.toISOString().replace(/[:.]/g, '-')}.txt`, ringCopyToFile(name, copy, unit.logFile.path, stamp));
      setNote({ ok: true, text: `Saved ${(copy.to - copy.from).toLocaleString('en-US')} bytes of output.` });
    } catch (error) {
      setNote({ ok: false, text: (error as Error).message });
    } finally {
      setIsDownloading(false);
    }
  };

  const downloadFullLog = async () => {
  setIsDownloading(true);
  setNote(null);
  try {
    const log = await readFullLog({
      files: () => api.call('logs.files', { name }),
      read: (file, fromByte) => api.call('logs.read', { name, file, fromByte, maxBytes: 1024 * 1024 }),
    });
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    saveBytesFile(`${name}-log-${stamp}.log`, log.parts);
    setNote({ ok: true, text: `Saved the full log: ${log.bytes.toLocaleString('en-US')} bytes from ${log.files.length} file${log.files.length === 1 ? '' : 's'} (${log.files.join(', ')}).` });
  } catch (error) {
    setNote({ ok: false, text: (error as Error).message });
  } finally {
    setIsDownloading(false);
  }
};

  return (
    <div className="unit-output" data-testid="unit-output">
      <div className="terminal-toolbar">
        <form className="terminal-find" onSubmit={onFind} role="search">
          <label className="visually-hidden" htmlFor={`find-${name}`}>
            Find in output
          </label>
          <input
            id={`find-${name}`}
            type="search"
            placeholder="Find in output"
            value={query}
            onChange={(event) => onQuery(event.target.value)}
            onKeyDown={(event) => {
              if (event.key === 'Enter' && event.shiftKey) {
                event.preventDefault();
                find('previous');
              }
            }}
            data-testid="terminal-find"
          />
          <button type="button" className="small-button" onClick={() => find('previous')} disabled={query === ''} aria-label="Previous match" title="Previous match (Shift+Enter)">
            ↑
          </button>
          <button type="submit" className="small-button" disabled={query === ''} aria-label="Next match" title="Next match (Enter)">
            ↓
          </button>
          <span className="muted small terminal-find-count" data-testid="terminal-find-count" aria-live="polite">
            {searchResult === 'none' ? 'No match' : searchResult ? (searchResult.resultIndex >= 0 ? `${searchResult.resultIndex + 1} of ${searchResult.resultCount}` : `${searchResult.resultCount} matches`) : ''}
          </span>
        </form>
        <div className="terminal-actions">
          <button type="button" className="small-button" onClick={() => void copySelection()} disabled={!hasSelection}>
            Copy selection
          </button>
          <button type="button" className="small-button" onClick={jumpToError}>
            Jump to first error
          </button>
          <button type="button" className="small-button" onClick={() => void download()} disabled={isDownloading} title="Saves what Airlock holds in memory for this unit (its most recent output) as a text file">
            {isDownloading ? 'Reading…' : 'Download recent'}
          </button>
          <button type="button" className="small-button" onClick={() => void downloadFullLog()} disabled={isDownloading} title="Saves the unit's whole rotating log file (up to 50 MiB) exactly as it is on disk" data-testid="download-full-log">
            Download full log
          </button>
        </div>
      </div>
      {droppedChars > 0 && (
        <p className="terminal-notice" role="status" data-testid="output-dropped">
          {droppedNotice(droppedChars, false)}.
        </p>
      )}
      {earlierChars > 0 && (
        <p className="terminal-notice terminal-notice-quiet" data-testid="output-earlier">
          {droppedNotice(earlierChars, true)}.
        </p>
      )}
      {feedError && (
        <p className="error small" role="alert">
          The output could not be read: {feedError}
        </p>
      )}
      <div className="terminal-frame" ref={setTerminalElement} data-testid="unit-terminal" />
      <p className="muted small terminal-footnote">
        {note ? (
          <span className={note.ok ? '' : 'error'} data-testid="terminal-note">
            {note.text}{' '}
          </span>
        ) : null}
        Download saves what Airlock keeps in memory for this unit (its most recent output, up to 2 M characters). The complete, rotating log is on the appliance at <code>{unit.logFile.path}</code>.
      </p>
    </div>
  );
}
