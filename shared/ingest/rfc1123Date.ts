const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const RFC_1123 = /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\d{1,2}) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) (\d{4}) (\d{2}):(\d{2}):(\d{2}) GMT$/;

/** Parses an RFC 1123 date ("Mon, 04 Apr 2016 08:00:00 GMT"); undefined when malformed or not a real date. */
export function parseRfc1123(value: string): Date | undefined {
  const m = RFC_1123.exec(value.trim());
  if (!m) return undefined;
  const [, day, month, year, hh, mm, ss] = m;
  const date = new Date(Date.UTC(Number(year), MONTHS.indexOf(month!), Number(day), Number(hh), Number(mm), Number(ss)));
  // Date.UTC rolls 31 Feb over into March: refuse instead.
  if (date.getUTCDate() !== Number(day) || Number(hh) > 23 || Number(mm) > 59 || Number(ss) > 60) return undefined;
  return date;
}

export function toRfc1123(date: Date): string {
  return date.toUTCString();
}
