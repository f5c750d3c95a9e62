// "Download CSV": the CSV export needs the key in a header, so a plain link would get a 401. Fetch it
// with the key, then hand the browser the file as a blob: URL with a file name.

import { getText } from './api.js';

/** The name from `Content-Disposition: ...; filename="x.csv"`, else `fallback`. */
export function fileNameOf(disposition, fallback) {
  const match = /filename="([^"]+)"/.exec(disposition ?? '');
  return match ? match[1] : fallback;
}

/** Fetch `path` with the key and save it; resolves to the file name. Throws like getJson. */
export async function downloadCsv(path, key, fallbackName) {
  const { text, headers } = await getText(path, key);
  const name = fileNameOf(headers.get('Content-Disposition'), fallbackName);
  const url = URL.createObjectURL(new Blob([text], { type: 'text/csv' }));
  const link = Object.assign(document.createElement('a'), { href: url, download: name, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000); // after the browser has started the download
  return name;
}
