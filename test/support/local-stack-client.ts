/** A small HTTP client for the local stack, as an API user would call it. */
export interface ApiResponse<T = Record<string, unknown>> {
  readonly status: number;
  readonly headers: Headers;
  readonly body: T;
}

export const call = async <T = Record<string, unknown>>(
  url: string,
  init: { method?: string; token?: string; contentType?: string; body?: string | Uint8Array } = {},
): Promise<ApiResponse<T>> => {
  const headers: Record<string, string> = {};
  if (init.token) headers.Authorization = `Bearer ${init.token}`;
  if (init.contentType) headers['Content-Type'] = init.contentType;
  const response = await fetch(url, { method: init.method ?? 'GET', headers, body: init.body ?? null });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: (text ? JSON.parse(text) : {}) as T };
};

export const login = async (baseUrl: string, username: string, password: string): Promise<string> => {
  const response = await call<{ access_token: string }>(`${baseUrl}/v1/auth/token`, {
    method: 'POST',
    contentType: 'application/json',
    body: JSON.stringify({ username, password }),
  });
  if (response.status !== 200)
    throw new Error(`login failed: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body.access_token;
};

export const postEmail = (baseUrl: string, token: string, raw: Uint8Array) =>
  call<{ id: string; status: string }>(`${baseUrl}/v1/emails`, {
    method: 'POST',
    token,
    contentType: 'message/rfc822',
    body: raw,
  });

/** Polls until the email leaves `queued`, or the deadline passes. */
export interface EmailViewBody {
  readonly status: string;
  readonly verdict: string | null;
  readonly findings: readonly unknown[];
}

export const waitForAnalysis = async (
  baseUrl: string,
  token: string,
  id: string,
  timeoutMs = 60_000,
): Promise<ApiResponse<EmailViewBody>> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await call<EmailViewBody>(`${baseUrl}/v1/emails/${id}`, { token });
    if (response.status !== 200 || response.body.status !== 'queued' || Date.now() > deadline)
      return response;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
};
