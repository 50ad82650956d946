import { formatMiB } from './hardware-format';

/**
 * VRAM as one bar: used, reserved by the driver (neither used nor free in nvidia-smi's figures
 * since the driver reports it; total − used − free when it does not), and free. SVG rectangles, so no inline style is needed for the widths.
 */
export function VramBar({ total, used, free, reserved: reported }: { total: number | null; used: number | null; free: number | null; reserved?: number | null }) {
  if (total === null || total <= 0 || used === null || free === null) {
    return <p className="muted">VRAM use not reported by this GPU.</p>;
  }
  const reserved = reported ?? Math.max(0, total - used - free);
  const pct = (mib: number) => (mib / total) * 100;
  return (
    <div className="vram">
      <svg className="vram-bar" viewBox="0 0 100 10" preserveAspectRatio="none" role="img" aria-label={`VRAM: ${formatMiB(used)} used, ${formatMiB(free)} free of ${formatMiB(total)}`}>
        <rect className="vram-free" x={0} y={0} width={100} height={10} />
        <rect className="vram-used" x={0} y={0} width={pct(used)} height={10} />
        <rect className="vram-reserved" x={pct(used)} y={0} width={pct(reserved)} height={10} />
      </svg>
      <div className="vram-legend">
        <span>
          <span className="swatch swatch-used" aria-hidden="true" /> Used <strong data-testid="gpu-vram-used">{formatMiB(used)}</strong>
        </span>
        {reserved > 0 && (
          <span>
            <span className="swatch swatch-reserved" aria-hidden="true" /> Reserved {formatMiB(reserved)}
          </span>
        )}
        <span>
          <span className="swatch swatch-free" aria-hidden="true" /> Free <strong data-testid="gpu-vram-free">{formatMiB(free)}</strong>
        </span>
      </div>
    </div>
  );
}
