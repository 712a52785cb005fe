/**
 * What the page is showing, kept in the URL's hash so that a reload (or a link sent to a colleague along
 * with the file) comes back to the same view: search, selected function, zoomed frame, orientation, threads
 * and time range.
 */
export interface UrlState {
  search: string;
  /** The selected function's id. */
  fn: number | null;
  /** The zoomed frame's stack id. */
  zoom: number | null;
  view: 'icicle' | 'flame';
  /** `all`, `p:<pid>` or `t:<thread index>`. */
  threads: string;
  /** Microseconds since the start of the recording. */
  range: [number, number] | null;
}

export function readUrlState(hash: string): UrlState {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const integer = (key: string) => {
    const value = params.get(key);
    return value !== null && /^\d{1,9}$/.test(value) ? Number(value) : null;
  };
  const range = /^(\d{1,15})-(\d{1,15})$/.exec(params.get('range') ?? '');
  return {
    search: params.get('search') ?? '',
    fn: integer('fn'),
    zoom: integer('zoom'),
    view: params.get('view') === 'flame' ? 'flame' : 'icicle',
    threads: /^(all|[pt]:\d{1,9})$/.test(params.get('threads') ?? '') ? params.get('threads')! : 'all',
    range: range && Number(range[1]) < Number(range[2]) ? [Number(range[1]), Number(range[2])] : null,
  };
}

export function writeUrlState(state: UrlState): void {
  const params = new URLSearchParams();
  if (state.search) params.set('search', state.search);
  if (state.fn !== null) params.set('fn', String(state.fn));
  if (state.zoom !== null) params.set('zoom', String(state.zoom));
  if (state.view !== 'icicle') params.set('view', state.view);
  if (state.threads !== 'all') params.set('threads', state.threads);
  if (state.range) params.set('range', `${Math.floor(state.range[0])}-${Math.ceil(state.range[1])}`);
  const hash = params.toString();
  // replaceState: the view changes often and should not fill the back button's history.
  history.replaceState(null, '', hash ? `#${hash}` : location.pathname + location.search);
}
