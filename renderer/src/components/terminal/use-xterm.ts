import { useEffect, useState } from 'react';
import { XtermController } from './xterm-controller';

/**
 * A read-only terminal in the element given to the returned ref callback. The controller is null
 * until the element is mounted, and is disposed (terminal, addons, observers) on unmount.
 */
export function useXterm(): [(element: HTMLDivElement | null) => void, XtermController | null] {
  const [element, setElement] = useState<HTMLDivElement | null>(null);
  const [controller, setController] = useState<XtermController | null>(null);
  useEffect(() => {
    if (!element) return;
    const created = new XtermController(element);
    // The terminal is a DOM-owning side effect: made in an effect, handed out, disposed in the cleanup.
    // eslint-disable-next-line react-hooks/set-state-in-effect
    setController(created);
    return () => {
      setController(null);
      created.dispose();
    };
  }, [element]);
  return [setElement, controller];
}
