import { useEffect, useState } from 'react';

/** The current time, re-read every `intervalMs`: ages, countdowns and uptimes tick between core answers. */
export function useNow(intervalMs = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = window.setInterval(() => setNow(Date.now()), intervalMs);
    return () => window.clearInterval(timer);
  }, [intervalMs]);
  return now;
}
