import type { HardwareSnapshot } from '../../../../electron/shared/hardware';
import { MISSING, formatBytesGiB } from './hardware-format';

const STORAGE_KIND = { ssd: 'SSD', hdd: 'HDD (rotational)', unknown: 'unknown' } as const;

/** CPU, memory, OS and the disks Airlock writes to, as the host probe found them. */
export function HostCard({ host }: { host: HardwareSnapshot['host'] }) {
  const os = [host.osDistro, host.osRelease].filter(Boolean).join(' ') || host.osPlatform || MISSING;
  return (
    <article className="card" aria-labelledby="card-host">
      <h2 id="card-host">Host</h2>
      <dl>
        <dt>CPU</dt>
        <dd data-testid="host-cpu">{host.cpuModel ?? MISSING}</dd>
        <dt>Cores / threads</dt>
        <dd>
          {host.physicalCores ?? MISSING} physical / {host.threads ?? MISSING} threads
        </dd>
        <dt>Memory</dt>
        <dd>{formatBytesGiB(host.ramTotalBytes)}</dd>
        <dt>OS</dt>
        <dd>
          {os}
          {host.arch ? ` · ${host.arch}` : ''}
        </dd>
        <dt>Kernel</dt>
        <dd>{host.kernel ?? MISSING}</dd>
      </dl>
      <h4>Disks</h4>
      {host.disks.length === 0 ? (
        <p className="muted">No disk facts were found.</p>
      ) : (
        <table className="table" data-testid="host-disks">
          <thead>
            <tr>
              <th scope="col">Role</th>
              <th scope="col">Path</th>
              <th scope="col">Mount</th>
              <th scope="col" className="num">
                Free / size
              </th>
              <th scope="col">Kind</th>
            </tr>
          </thead>
          <tbody>
            {host.disks.map((disk) => (
              <tr key={`${disk.role}-${disk.path}`}>
                <td>{disk.role === 'data' ? 'Airlock data' : disk.role === 'models' ? 'Model weights' : disk.role}</td>
                <td>
                  <code>{disk.path}</code>
                </td>
                <td>
                  <code>{disk.mount ?? MISSING}</code>
                  {disk.device && (
                    <span className="muted">
                      {' '}
                      ({disk.device}
                      {disk.fsType ? `, ${disk.fsType}` : ''})
                    </span>
                  )}
                </td>
                <td className="num">
                  {formatBytesGiB(disk.freeBytes)} / {formatBytesGiB(disk.sizeBytes)}
                </td>
                <td>{STORAGE_KIND[disk.storageKind]}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </article>
  );
}

/** GitLab Duo Self-Hosted's published minimums, line by line, against this host. */
export function RequirementsCard({ requirements }: { requirements: HardwareSnapshot['requirements'] }) {
  const warnings = requirements.filter((r) => r.verdict === 'warn').length;
  return (
    <article className="card" aria-labelledby="card-requirements">
      <h2 id="card-requirements">GitLab minimums</h2>
      <p className="muted">
        {warnings === 0 ? 'This host meets every published minimum.' : `${warnings} of ${requirements.length} below GitLab's published minimum; Airlock still runs, but GitLab may not support the setup.`}
      </p>
      <table className="table requirements" data-testid="host-requirements">
        <thead>
          <tr>
            <th scope="col">Check</th>
            <th scope="col">Required</th>
            <th scope="col">This host</th>
            <th scope="col">Verdict</th>
          </tr>
        </thead>
        <tbody>
          {requirements.map((r) => (
            <tr key={r.id}>
              <td>
                {r.label}
                {r.note && <div className="muted small">{r.note}</div>}
              </td>
              <td>{r.required}</td>
              <td>{r.actual}</td>
              <td>
                <span className={`pill pill-small ${r.verdict === 'pass' ? 'pill-ok' : 'pill-warn'}`}>{r.verdict === 'pass' ? 'Pass' : 'Warn'}</span>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </article>
  );
}
