// A speaker's own camera and microphone: opening them (all, or one chosen device), listing
// the ones there are, and a level meter for the microphone (WebAudio), for the backstage page.

import { t } from "./i18n.js";

/** Camera and microphone (the given device ids, else the browser's choice) as one stream. */
export async function openDevices({ camera = null, microphone = null } = {}) {
  return navigator.mediaDevices.getUserMedia({
    video: constraint(camera),
    audio: constraint(microphone),
  });
}

/** One device's track: `kind` is "videoinput" or "audioinput". */
export async function openDevice(kind, deviceId) {
  const asked = kind === "videoinput" ? { video: constraint(deviceId) } : { audio: constraint(deviceId) };
  const stream = await navigator.mediaDevices.getUserMedia(asked);
  return stream.getTracks()[0];
}

function constraint(deviceId) {
  return deviceId ? { deviceId: { exact: deviceId } } : true;
}

/** The cameras and microphones, each `{id, label}` (labels are known once one is open). */
export async function listDevices() {
  const all = await navigator.mediaDevices.enumerateDevices();
  const of = (kind) => all.filter((d) => d.kind === kind && d.deviceId)
    .map((d, i) => ({ id: d.deviceId, label: d.label || t(`devices.${kind}`, { n: i + 1 }) }));
  return { cameras: of("videoinput"), microphones: of("audioinput") };
}

/** The device a track comes from. */
export function deviceOf(track) {
  return track?.getSettings().deviceId || null;
}

/** Why the camera or microphone could not be opened, in the page's language. */
export function deviceProblem(error) {
  const known = {
    NotAllowedError: "devices.denied",
    SecurityError: "devices.denied",
    NotFoundError: "devices.none",
    OverconstrainedError: "devices.none",
    NotReadableError: "devices.busy",
    AbortError: "devices.busy",
  };
  if (!navigator.mediaDevices) return t("devices.unsupported");
  return t(known[error.name] || "devices.failed", { message: error.message });
}

/**
 * How loud a microphone is, 0 to 1, measured every animation frame and given to `onLevel`.
 * A page may only start audio after a person acted: `resume()` from a click.
 */
export class LevelMeter {
  constructor(onLevel) {
    this.onLevel = onLevel;
    this.context = null;
    this.source = null;
    this.frame = null;
  }

  /** Measure the audio of `stream` (replacing what was measured). */
  attach(stream) {
    this.detach();
    if (!stream.getAudioTracks().length) return;
    this.context ??= new AudioContext();
    this.analyser ??= Object.assign(this.context.createAnalyser(), { fftSize: 1024 });
    this.samples ??= new Float32Array(this.analyser.fftSize);
    this.source = this.context.createMediaStreamSource(stream);
    this.source.connect(this.analyser);
    this.resume();
    this.measure();
  }

  resume() {
    if (this.context?.state === "suspended") this.context.resume().catch(() => {});
  }

  measure() {
    this.analyser.getFloatTimeDomainData(this.samples);
    let sum = 0;
    for (const sample of this.samples) sum += sample * sample;
    this.onLevel(loudness(Math.sqrt(sum / this.samples.length)));
    this.frame = requestAnimationFrame(() => this.measure());
  }

  detach() {
    cancelAnimationFrame(this.frame);
    this.frame = null;
    this.source?.disconnect();
    this.source = null;
  }

  stop() {
    this.detach();
    this.context?.close().catch(() => {});
    this.context = this.analyser = this.samples = null;
    this.onLevel(0);
  }
}

/** An RMS amplitude on a scale a person reads as loudness: -60 dBFS (silence) to 0 dBFS. */
function loudness(rms) {
  const decibels = 20 * Math.log10(rms || 1e-6);
  return Math.min(1, Math.max(0, (decibels + 60) / 60));
}
