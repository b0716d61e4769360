// The upload: a presigned POST from the API, then the file posted straight
// to the storage with XMLHttpRequest, which reports upload progress.

// UploadError is a failure to show as is; detail is the technical part.
export class UploadError extends Error {
  constructor(message, detail = '') {
    super(message);
    this.name = 'UploadError';
    this.detail = detail;
  }
}

// apiBase is where /presignedurl lives: ?api=…, else the vidrop-api meta
// setting, else this page's own origin. It ends with "/" so that an API
// under a path prefix works.
export function apiBase(loc = window.location, doc = document) {
  const param = new URLSearchParams(loc.search).get('api');
  const meta = doc.querySelector('meta[name="vidrop-api"]')?.content?.trim();
  const raw = param || meta || '/';
  const url = new URL(raw, loc.href);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UploadError(`The API address ${raw} is not an http(s) URL.`);
  }
  url.search = '';
  url.hash = '';
  if (!url.pathname.endsWith('/')) url.pathname += '/';
  return url;
}

// presign asks the API for a presigned POST for one upload of type.
export async function presign(api, mail, type, signal) {
  const url = new URL('presignedurl', api);
  url.searchParams.set('mail', mail);
  url.searchParams.set('type', type);
  let res;
  try {
    res = await fetch(url, { signal, credentials: 'omit', cache: 'no-store' });
  } catch (err) {
    if (signal && signal.aborted) throw err;
    throw new UploadError(
      `Could not reach the API at ${api.origin}. It may be down, or it does not accept requests from this page's origin (${window.location.origin}): its CORS_ALLOWED_ORIGINS must include it.`,
      errorText(err));
  }
  let body = null;
  try {
    body = await res.json();
  } catch {
    // handled below
  }
  if (!res.ok) {
    const why = body && body.error ? body.error : `HTTP ${res.status}`;
    throw new UploadError(`The API refused to prepare the upload: ${why}.`);
  }
  if (!body || typeof body.url !== 'string' || !body.fields || typeof body.key !== 'string') {
    throw new UploadError('The API answered something that is not a presigned upload.');
  }
  return body;
}

// maxBytes reads the largest size the signed policy allows, or 0.
export function maxBytes(fields) {
  try {
    const policy = JSON.parse(atob(fields.policy || ''));
    for (const c of policy.conditions || []) {
      if (Array.isArray(c) && c[0] === 'content-length-range') return Number(c[2]) || 0;
    }
  } catch {
    // no readable policy: no limit to quote
  }
  return 0;
}

// objectURL is where the stored object can be read, when it is public.
export function objectURL(post) {
  const acl = post.fields.acl || '';
  if (acl !== 'public-read' && acl !== 'public-read-write') return '';
  const key = post.key.split('/').map(encodeURIComponent).join('/');
  return post.url.replace(/\/+$/, '') + '/' + key;
}

// send posts every presigned field, in the order the API gave them, then
// the file last, as S3 requires. onProgress gets (sent, total) in bytes of
// the request. It resolves on any 2xx and rejects with an UploadError
// otherwise, or with an AbortError when signal aborts.
export function send(post, blob, filename, onProgress, signal) {
  const form = new FormData();
  // JSON objects keep their order except for integer-like names, which no
  // S3 form field has.
  for (const [name, value] of Object.entries(post.fields)) form.append(name, value);
  form.append('file', blob, filename);

  const xhr = new XMLHttpRequest();
  const done = new Promise((resolve, reject) => {
    xhr.upload.addEventListener('progress', (e) => {
      if (e.lengthComputable) onProgress(e.loaded, e.total);
    });
    xhr.addEventListener('load', () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        resolve(xhr.status);
        return;
      }
      reject(storageError(xhr.status, xhr.responseText, blob.size, maxBytes(post.fields)));
    });
    xhr.addEventListener('error', () => reject(storageError(0, '', blob.size, 0)));
    xhr.addEventListener('abort', () => reject(new DOMException('The upload was cancelled.', 'AbortError')));
  });
  xhr.open('POST', post.url);
  xhr.send(form);
  signal.addEventListener('abort', () => xhr.abort());
  return done;
}

// storageError explains the storage's answer in plain words. S3 answers
// with <Error><Code>…</Code><Message>…</Message></Error>.
export function storageError(status, text, size, limit) {
  if (status === 0) {
    return new UploadError(
      `The storage refused this page before answering. That is almost always the bucket's CORS rules: they must allow POST from ${window.location.origin}.`);
  }
  let code = '';
  let message = '';
  try {
    const xml = new DOMParser().parseFromString(text || '', 'application/xml');
    code = xml.querySelector('Error > Code')?.textContent?.trim() || '';
    message = xml.querySelector('Error > Message')?.textContent?.trim() || '';
  } catch {
    // not XML: keep the status only
  }
  const detail = [code, message].filter(Boolean).join(': ') || `HTTP ${status}`;
  const expired = /expired/i.test(message);
  switch (true) {
    case code === 'EntityTooLarge':
      return new UploadError(
        `The video is too large: it is ${formatBytes(size)}` +
          (limit ? `, and this server accepts at most ${formatBytes(limit)}.` : ', more than this server accepts.') +
          ' Record a shorter video.',
        detail);
    case code === 'EntityTooSmall':
      return new UploadError('The video is empty, so there is nothing to upload.', detail);
    case expired:
      return new UploadError('The upload permission expired before the upload finished. Press Upload to try again with a fresh one.', detail);
    case code === 'AccessControlListNotSupported':
      return new UploadError('The bucket does not accept ACLs. Its operator should set UPLOAD_ACL to empty.', detail);
    case code === 'AccessDenied':
      return new UploadError('The storage did not allow this upload.', detail);
    default:
      return new UploadError(`The storage refused the upload (HTTP ${status}).`, detail);
  }
}

// errorText is what an error says, for the details line under a message.
export function errorText(err) {
  return String(err && err.message ? err.message : err);
}

// formatBytes writes n bytes for people: 950 B, 12.3 KB, 4.5 MB.
export function formatBytes(n) {
  if (!Number.isFinite(n) || n < 0) return '?';
  const units = ['B', 'KB', 'MB', 'GB'];
  let i = 0;
  while (n >= 1000 && i < units.length - 1) {
    n /= 1000;
    i++;
  }
  return (i === 0 ? String(Math.round(n)) : n.toFixed(n < 10 ? 1 : 0)) + ' ' + units[i];
}
