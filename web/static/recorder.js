// Camera access and recording: which format to record in, and messages
// for the ways getting a camera fails.

// The formats to try, best first. H.264 MP4 plays everywhere; Chromium's
// plain video/mp4 is VP9 inside and has no AAC, hence avc1 with opus.
export const FORMATS = [
  'video/mp4;codecs=avc1,mp4a.40.2',
  'video/mp4;codecs=avc1,opus',
  'video/mp4',
  'video/webm;codecs=vp9,opus',
  'video/webm',
];

// The media types the API accepts, and the file extensions that name them.
export const TYPES = {
  'video/mp4': ['mp4', 'm4v'],
  'video/webm': ['webm'],
  'video/quicktime': ['mov', 'qt'],
  'video/x-matroska': ['mkv'],
};

// pickFormat returns the first format this browser can record, or "".
export function pickFormat() {
  if (typeof MediaRecorder === 'undefined') return '';
  return FORMATS.find((f) => MediaRecorder.isTypeSupported(f)) ?? '';
}

// baseType drops codec parameters: "video/webm;codecs=vp9" -> "video/webm".
export function baseType(mime) {
  return (mime || '').split(';')[0].trim().toLowerCase();
}

// fileType is the API type for a chosen file, from its type or its name.
export function fileType(file) {
  const t = baseType(file.type);
  if (TYPES[t]) return t;
  const ext = (file.name.split('.').pop() || '').toLowerCase();
  return Object.keys(TYPES).find((k) => TYPES[k].includes(ext)) ?? '';
}

// cameraProblem says why there is no camera to record from, or "" when the
// browser can try.
export function cameraProblem() {
  if (!window.isSecureContext) {
    return 'This page is not in a secure context, so the browser offers no camera. Open it over HTTPS (or on localhost).';
  }
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    return 'This browser cannot use a camera from a web page.';
  }
  if (!pickFormat()) {
    return 'This browser cannot record video (no MediaRecorder support for MP4 or WebM).';
  }
  return '';
}

// openCamera asks for the camera and the microphone, and for the camera
// alone when there is no microphone.
export async function openCamera() {
  const video = { width: { ideal: 1280 }, height: { ideal: 720 } };
  try {
    return await navigator.mediaDevices.getUserMedia({ video, audio: true });
  } catch (err) {
    if (err && (err.name === 'NotFoundError' || err.name === 'OverconstrainedError')) {
      return navigator.mediaDevices.getUserMedia({ video, audio: false });
    }
    throw err;
  }
}

// cameraError turns getUserMedia's error into a sentence for people.
export function cameraError(err) {
  switch (err && err.name) {
    case 'NotAllowedError':
    case 'PermissionDeniedError':
      return 'Access to the camera was denied. Allow the camera and microphone for this site in the browser (the icon in the address bar), then try again.';
    case 'NotFoundError':
    case 'DevicesNotFoundError':
    case 'OverconstrainedError':
      return 'No camera was found. Plug one in and try again.';
    case 'NotReadableError':
    case 'TrackStartError':
      return 'The camera is in use by another application, or the system blocked it. Close the other application and try again.';
    case 'SecurityError':
      return 'The browser does not allow this page to use the camera (a security setting or policy).';
    case 'AbortError':
      return 'The camera could not start. Try again.';
    default:
      return 'The camera could not start' + (err && err.message ? ': ' + err.message : '.');
  }
}

// Recording records a stream until stop() and resolves with a Blob.
export class Recording {
  constructor(stream, format) {
    this.chunks = [];
    this.format = format;
    this.recorder = new MediaRecorder(stream, { mimeType: format });
    this.recorder.addEventListener('dataavailable', (e) => {
      if (e.data && e.data.size > 0) this.chunks.push(e.data);
    });
    this.done = new Promise((resolve, reject) => {
      this.recorder.addEventListener('stop', () => resolve(new Blob(this.chunks, { type: this.type })));
      this.recorder.addEventListener('error', (e) => reject(e.error || new Error('recording failed')));
    });
    this.type = '';
  }

  // start begins recording. The recorder's mimeType is final only now; its
  // type, without codecs, is what the upload is announced as.
  start() {
    this.recorder.start(1000);
    // Some browsers leave mimeType empty; then the requested one holds.
    this.type = baseType(this.recorder.mimeType) || baseType(this.format);
  }

  stop() {
    if (this.recorder.state !== 'inactive') this.recorder.stop();
    return this.done;
  }
}
