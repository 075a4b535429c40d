/**
 * Why `value` cannot be the base URL of an endpoint's service, or null when it can. Callers append a path to it
 * (`{url}/api/v1/endpoints/{slug}/query`), so it must be an absolute URL with one of `schemes` and a host, and must
 * carry no credentials, no query and no fragment: with `?` or `#` the appended path would end up in the query or
 * the fragment, and the hub or the aggregator would POST to whatever path the URL names.
 */
export function baseUrlProblem(
  value: string,
  schemes: readonly string[] = ['http:', 'https:'],
): string | null {
  if (value.includes('?')) return 'must not contain a query (?)';
  if (value.includes('#')) return 'must not contain a fragment (#)';
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'must be an absolute URL';
  }
  if (!schemes.includes(url.protocol)) {
    return `must use ${schemes.map((scheme) => scheme.slice(0, -1)).join(', ')}`;
  }
  if (url.hostname === '') return 'must name a host';
  if (url.username !== '' || url.password !== '') return 'must not contain credentials (user@)';
  return null;
}
