// The recorder page: e-mail → camera → record → review → upload.
// The page's state is in <body data-state>; every element with a
// data-when list is shown only in the states it names.
import { cameraError, cameraProblem, fileType, openCamera, pickFormat, Recording, TYPES } from './recorder.js';
import { apiBase, errorText, formatBytes, objectURL, presign, send, UploadError } from './upload.js';

const $ = (id) => document.getElementById(id);
const el = {
  mailForm: $('mail-form'), mail: $('mail'), mailError: $('mail-error'), who: $('who'),
  preview: $('preview'), playback: $('playback'), timerText: $('timer-text'), details: $('details'),
  record: $('record'), stop: $('stop'), upload: $('upload'), again: $('again'), cancel: $('cancel'),
  retryCamera: $('retry-camera'), changeMail: $('change-mail'), chooseFile: $('choose-file'), file: $('file'),
  progress: $('progress'), progressLabel: $('progress-label'),
  resultKey: $('result-key'), resultVideo: $('result-video'), resultLink: $('result-link'),
  resultLinkRow: $('result-link-row'), resultTitle: $('result-title'), another: $('another'),
  error: $('error'), status: $('status'),
};

const MAIL_KEY = 'vidrop.mail';
const page = {
  mail: '',
  stream: null,
  recording: null,
  timer: 0,
  clip: null, // { blob, type, name }
  clipURL: '',
  upload: null, // AbortController of the upload under way
};

function setState(state) {
  document.body.dataset.state = state;
  for (const node of document.querySelectorAll('[data-when]')) {
    node.hidden = !node.dataset.when.split(' ').includes(state);
  }
}

function say(text) {
  el.status.textContent = text;
}

function showError(message, detail = '') {
  el.error.replaceChildren();
  const p = document.createElement('p');
  p.textContent = message;
  el.error.append(p);
  if (detail) {
    const d = document.createElement('p');
    d.className = 'detail';
    d.textContent = detail;
    el.error.append(d);
  }
  el.error.hidden = false;
}

function clearError() {
  el.error.hidden = true;
  el.error.replaceChildren();
}

function maxSeconds() {
  const param = new URLSearchParams(window.location.search).get('max');
  const meta = document.querySelector('meta[name="vidrop-max-seconds"]')?.content;
  const n = Number(param ?? meta ?? 0);
  return Number.isFinite(n) && n > 0 ? Math.floor(n) : 0;
}

function clock(seconds) {
  const m = Math.floor(seconds / 60);
  const s = Math.floor(seconds % 60);
  return String(m).padStart(2, '0') + ':' + String(s).padStart(2, '0');
}

// --- e-mail -----------------------------------------------------------

// normalMail is a first check; the API has the last word.
function normalMail(raw) {
  const mail = raw.trim().toLowerCase();
  if (mail.length > 254 || !/^[^\s@"<>()[\],;:\\]+@[^\s@.]+(\.[^\s@.]+)+$/.test(mail)) return '';
  return mail;
}

function remember(mail) {
  try {
    localStorage.setItem(MAIL_KEY, mail);
  } catch {
    // storage disabled: the page still works, it just forgets
  }
}

function remembered() {
  try {
    return localStorage.getItem(MAIL_KEY) || '';
  } catch {
    return '';
  }
}

el.mailForm.addEventListener('submit', (e) => {
  e.preventDefault();
  const mail = normalMail(el.mail.value);
  if (!mail) {
    el.mail.setAttribute('aria-invalid', 'true');
    el.mailError.textContent = 'Enter an e-mail address such as name@example.com.';
    el.mailError.hidden = false;
    el.mail.focus();
    return;
  }
  el.mail.removeAttribute('aria-invalid');
  el.mailError.hidden = true;
  page.mail = mail;
  el.who.textContent = mail;
  remember(mail);
  startCamera();
});

el.changeMail.addEventListener('click', () => {
  stopCamera();
  clearError();
  say('');
  setState('mail');
  el.mail.focus();
});

// --- camera and recording ----------------------------------------------

async function startCamera() {
  clearError();
  const problem = cameraProblem();
  if (problem) {
    setState('nocamera');
    showError(problem, 'You can still choose a video file instead.');
    say('');
    el.chooseFile.focus();
    return;
  }
  setState('starting');
  say('Asking for the camera and microphone…');
  try {
    page.stream = await openCamera();
  } catch (err) {
    setState('nocamera');
    showError(cameraError(err), 'You can also choose a video file instead.');
    say('');
    el.retryCamera.focus();
    return;
  }
  el.preview.srcObject = page.stream;
  setState('ready');
  say('The camera is on. Press Start recording when you are ready.');
  el.record.focus();
}

function stopCamera() {
  if (page.stream) {
    for (const track of page.stream.getTracks()) track.stop();
  }
  page.stream = null;
  el.preview.srcObject = null;
}

el.retryCamera.addEventListener('click', startCamera);

el.record.addEventListener('click', () => {
  if (!page.stream) return;
  clearError();
  let rec;
  try {
    rec = new Recording(page.stream, pickFormat());
    rec.start();
  } catch (err) {
    showError('Recording could not start.', errorText(err));
    return;
  }
  page.recording = rec;
  const limit = maxSeconds();
  const started = performance.now();
  const tick = () => {
    const secs = (performance.now() - started) / 1000;
    el.timerText.textContent = clock(secs) + (limit ? ' / ' + clock(limit) : '');
    if (limit && secs >= limit) finishRecording(`Stopped at the ${clock(limit)} limit.`);
  };
  tick();
  page.timer = window.setInterval(tick, 250);
  setState('recording');
  say('Recording. Press Stop when you are done.');
  el.stop.focus();
});

el.stop.addEventListener('click', () => finishRecording(''));

async function finishRecording(note) {
  const rec = page.recording;
  if (!rec) return;
  page.recording = null;
  window.clearInterval(page.timer);
  let blob;
  try {
    blob = await rec.stop();
  } catch (err) {
    stopCamera();
    showError('The recording failed.', errorText(err));
    startCamera();
    return;
  }
  stopCamera();
  const ext = TYPES[rec.type]?.[0] ?? 'bin';
  review({ blob, type: rec.type, name: 'recording.' + ext }, note);
}

// --- review -------------------------------------------------------------

function review(clip, note) {
  page.clip = clip;
  if (page.clipURL) URL.revokeObjectURL(page.clipURL);
  page.clipURL = URL.createObjectURL(clip.blob);
  el.playback.src = page.clipURL;
  document.body.dataset.format = clip.type;
  el.details.textContent = `${formatBytes(clip.blob.size)} · ${clip.type.replace('video/', '').toUpperCase()}`;
  setState('review');
  say((note ? note + ' ' : '') + 'Watch your video, then upload it or record again.');
  el.upload.focus();
}

el.again.addEventListener('click', () => {
  clearError();
  el.playback.removeAttribute('src');
  el.playback.load();
  startCamera();
});

// The picker offers every type the API takes and every extension that
// names one (recorder.js's TYPES), so that the list has one source.
el.file.accept = Object.entries(TYPES).flatMap(([type, exts]) => [type, ...exts.map((e) => `.${e}`)]).join(',');
el.chooseFile.addEventListener('click', () => el.file.click());

el.file.addEventListener('change', () => {
  const file = el.file.files && el.file.files[0];
  el.file.value = '';
  if (!file) return;
  clearError();
  const type = fileType(file);
  if (!type) {
    showError(`${file.name} is not a video this service takes: choose an MP4, WebM, MOV or MKV file.`);
    return;
  }
  if (file.size === 0) {
    showError(`${file.name} is empty.`);
    return;
  }
  stopCamera();
  review({ blob: file, type, name: file.name }, `Chose ${file.name}.`);
});

// --- upload -------------------------------------------------------------

el.upload.addEventListener('click', upload);

async function upload() {
  const clip = page.clip;
  if (!clip) return;
  clearError();
  el.progress.max = clip.blob.size;
  el.progress.value = 0;
  el.progressLabel.textContent = 'Preparing the upload…';
  setState('uploading');
  say('Uploading…');
  el.cancel.focus();

  // Cancel aborts whichever step is under way: the presign or the POST.
  const aborter = new AbortController();
  page.upload = aborter;
  const size = clip.blob.size;
  let post;
  let started;
  try {
    post = await presign(apiBase(), page.mail, clip.type, aborter.signal);
    started = performance.now();
    await send(post, clip.blob, clip.name, (sent, total) => {
      // The request also carries the form fields; show the file's share.
      // total is never 0: send reports only a known length, and the form
      // always has fields.
      const share = sent / total;
      const fileSent = Math.round(share * size);
      const secs = Math.max((performance.now() - started) / 1000, 0.001);
      el.progress.value = fileSent;
      el.progressLabel.textContent =
        `${formatBytes(fileSent)} of ${formatBytes(size)} · ${Math.floor(share * 100)} % · ${formatBytes(fileSent / secs)}/s`;
    }, aborter.signal);
  } catch (err) {
    uploadFailed(err);
    return;
  } finally {
    page.upload = null;
  }
  const secs = (performance.now() - started) / 1000;
  done(post, `Uploaded ${formatBytes(size)}` + (secs >= 1 ? ` in ${Math.round(secs)} s.` : '.'));
}

el.cancel.addEventListener('click', () => page.upload?.abort());

function uploadFailed(err) {
  if (err && err.name === 'AbortError') {
    setState('review');
    say('Upload cancelled. Your recording is still here.');
    el.upload.focus();
    return;
  }
  setState('failed');
  if (err instanceof UploadError) showError(err.message, err.detail);
  else showError('The upload failed.', errorText(err));
  say('The upload failed.');
  el.upload.focus();
}

function done(post, note) {
  el.resultKey.textContent = post.key;
  document.body.dataset.key = post.key;
  const url = objectURL(post);
  el.resultVideo.hidden = !url;
  el.resultLinkRow.hidden = !url;
  if (url) {
    el.resultVideo.src = url;
    el.resultLink.href = url;
  } else {
    el.resultVideo.removeAttribute('src');
  }
  setState('done');
  say(note);
  el.resultTitle.focus();
}

el.another.addEventListener('click', () => {
  page.clip = null;
  el.resultVideo.removeAttribute('src');
  el.resultVideo.load();
  delete document.body.dataset.key;
  startCamera();
});

// --- start --------------------------------------------------------------

function main() {
  try {
    apiBase();
  } catch (err) {
    showError(err.message);
  }
  el.mail.value = remembered();
  setState('mail');
  if (!el.mail.value) el.mail.focus();
}

main();
