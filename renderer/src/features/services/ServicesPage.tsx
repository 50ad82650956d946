import { useState } from 'react';
import { useConnectionState } from '../../api/api-context';
import { AddUnitForm } from './AddUnitForm';
import { UnitCard } from './UnitCard';
import { stateLabels } from './unit-format';
import { useNow } from '../../lib/use-now';
import { useUnits } from './use-units';

/** The supervised units: a card per unit with its live terminal, and the form to add one. */
export function ServicesPage() {
  const { units, error, at, upsert, drop } = useUnits();
  const connection = useConnectionState();
  const now = useNow();
  // null until the first list: then open when there is no unit yet, and whatever the operator chooses
  // after that (decided once, so the first unit appearing does not pull the form away mid-use).
  const [isAdding, setIsAdding] = useState<boolean | null>(null);
  if (isAdding === null && units !== null) setIsAdding(units.length === 0);
  const isConnected = connection.status === 'connected';
  const showForm = isAdding === true;

  return (
    <section aria-labelledby="services-title" className="services">
      <div className="page-header">
        <h1 id="services-title">Services</h1>
        <div className="page-header-actions">
          <a href="#/logs">Search the logs</a>
          <button type="button" onClick={() => setIsAdding(true)} disabled={!isConnected || showForm}>
            Add unit
          </button>
        </div>
      </div>
      {units && <Summary units={units} />}
      {!isConnected && units && (
        <p className="stale-note" data-testid="stale-note">
          Not connected to the core: states as of {at ? new Date(at).toLocaleTimeString() : 'the last answer'}. The list is read again on reconnect.
        </p>
      )}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {units === null && !error && <p className="muted">{isConnected ? 'Asking the core…' : 'Waiting for the connection to the core…'}</p>}

      {showForm && <AddUnitForm onAdded={upsert} onClose={() => setIsAdding(false)} />}
      {units?.length === 0 && <p className="muted">No unit yet. Add a vLLM server for a local model, or any other program Airlock should keep running.</p>}

      <div className="unit-list">
        {units?.map((unit) => (
          <UnitCard key={unit.name} unit={unit} now={now} onChange={upsert} onRemoved={drop} />
        ))}
      </div>
    </section>
  );
}

/** "3 units: 2 running, 1 fatal". */
function Summary({ units }: { units: { state: keyof typeof stateLabels }[] }) {
  if (units.length === 0) return null;
  const counts = new Map<string, number>();
  for (const unit of units) counts.set(unit.state, (counts.get(unit.state) ?? 0) + 1);
  const parts = [...counts].map(([state, count]) => `${count} ${stateLabels[state as keyof typeof stateLabels].label.toLowerCase()}`);
  return (
    <p className="muted" data-testid="services-summary">
      {units.length} {units.length === 1 ? 'unit' : 'units'}: {parts.join(', ')}
    </p>
  );
}
