/** Number formatting shared by the report's cells. */
export const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

export const met = (ok: boolean) => (ok ? 'yes' : 'NO');
