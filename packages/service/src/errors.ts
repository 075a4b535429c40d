/** An error that maps directly to an HTTP response: `{"detail": detail}` with `status` and extra `headers`. */
export class ApiError extends Error {
  constructor(
    public status: number,
    public detail: unknown,
    public headers?: Record<string, string>,
  ) {
    super(typeof detail === 'string' ? detail : `HTTP ${status}`);
    this.name = 'ApiError';
  }
}
