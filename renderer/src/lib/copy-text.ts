/**
 * Copies text to the clipboard. The async Clipboard API needs a secure context, which a console
 * reached over plain HTTP on a LAN is not; there the old selection copy still works.
 */
export async function copyText(text: string): Promise<boolean> {
  try {
    if (window.isSecureContext && navigator.clipboard) {
      await navigator.clipboard.writeText(text);
      return true;
    }
  } catch {
    // Permission refused: fall through to the selection copy.
  }
  const area = document.createElement('textarea');
  area.value = text;
  area.setAttribute('readonly', '');
  area.className = 'offscreen';
  document.body.appendChild(area);
  area.select();
  try {
    // Deprecated but still the only way outside a secure context.
    return document.execCommand('copy');
  } finally {
    area.remove();
  }
}
