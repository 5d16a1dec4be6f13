// The stage's media over HTTP (DESIGN.md section 5): publishing a camera and a microphone to
// a session's backstage with WHIP (RFC 9725), watching its program with WHEP the same way.
//
// One offer, one answer, no trickle: the browser gathers its ICE candidates before the offer
// is sent, as the server gathers its own before answering. The answer's `Location` is the
// resource; `stop()` deletes it, with `keepalive` so that it still goes out while the page is
// closing, and every link still open is stopped when the page goes away.
//
// The STUN/TURN servers come with the stage's state (`ice_servers`, the server's
// PAVILION_ICE_SERVERS); a caller that has them already passes them as `iceServers`.

import { ApiError, getJSON, paths, problemOf } from "./api.js";
import { t } from "./i18n.js";

const SDP = "application/sdp";
const GATHERING_MS = 5000; // an unreachable STUN server must not hold the offer for long

const open = new Set(); // every link not stopped yet

/**
 * One WHIP or WHEP resource: its peer connection and where to end it. Announces the
 * connection's state as `state` (`event.detail` is "connecting", "connected", "failed"…).
 */
export class StageLink extends EventTarget {
  constructor(pc) {
    super();
    this.pc = pc;
    this.location = null;
    this.stopped = false;
    this.stream = null; // what a WHEP link receives
    pc.addEventListener("connectionstatechange", () => {
      this.dispatchEvent(new CustomEvent("state", { detail: pc.connectionState }));
    });
    open.add(this);
  }

  /** The id the server gave the resource (the last part of its `Location`). */
  get id() {
    return this.location ? decodeURIComponent(this.location.split("/").pop()) : null;
  }

  /** Send `track` instead of the one of its kind now sent, without negotiating again. */
  async replace(track) {
    const sender = this.pc.getSenders().find((s) => s.track?.kind === track.kind);
    if (sender) await sender.replaceTrack(track);
  }

  /** Close the connection and end the resource (once; the server's answer is not awaited). */
  stop() {
    if (this.stopped) return;
    this.stopped = true;
    open.delete(this);
    this.pc.close();
    if (!this.location) return;
    fetch(this.location, { method: "DELETE", keepalive: true, credentials: "same-origin" }).catch(() => {});
  }
}

/** Publish `stream` (video, and audio normally) to the session's backstage (WHIP). */
export async function publish(session, stream, { iceServers } = {}) {
  const pc = new RTCPeerConnection({ iceServers: iceServers ?? (await iceServersOf(session)) });
  for (const track of stream.getTracks()) pc.addTransceiver(track, { direction: "sendonly", streams: [stream] });
  return connect(pc, paths.whip(session));
}

/** Watch the session's program (WHEP): the link's `stream` holds what arrives. */
export async function watch(session, { iceServers } = {}) {
  const pc = new RTCPeerConnection({ iceServers: iceServers ?? (await iceServersOf(session)) });
  pc.addTransceiver("video", { direction: "recvonly" });
  pc.addTransceiver("audio", { direction: "recvonly" });
  const stream = new MediaStream();
  pc.addEventListener("track", (event) => stream.addTrack(event.track));
  const link = await connect(pc, paths.whep(session));
  link.stream = stream;
  return link;
}

/** The session's STUN/TURN servers, as RTCPeerConnection takes them. */
async function iceServersOf(session) {
  const state = await getJSON(paths.stage(session));
  return state.ice_servers ?? [];
}

/** Offer, gather, post, answer; a failure stops what was started and throws an ApiError. */
async function connect(pc, url) {
  const link = new StageLink(pc);
  try {
    await pc.setLocalDescription(await pc.createOffer());
    await gathered(pc);
    const response = await post(url, pc.localDescription.sdp);
    link.location = new URL(response.headers.get("Location"), location.href).href;
    await pc.setRemoteDescription({ type: "answer", sdp: await response.text() });
  } catch (error) {
    link.stop();
    throw error instanceof ApiError ? error : new ApiError(error.message, { code: "webrtc" });
  }
  return link;
}

/** Resolves once ICE gathering is complete, or after GATHERING_MS with what was gathered. */
function gathered(pc) {
  if (pc.iceGatheringState === "complete") return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      if (pc.iceGatheringState !== "complete") return;
      clearTimeout(timer);
      pc.removeEventListener("icegatheringstatechange", done);
      resolve();
    };
    const timer = setTimeout(() => {
      pc.removeEventListener("icegatheringstatechange", done);
      resolve();
    }, GATHERING_MS);
    pc.addEventListener("icegatheringstatechange", done);
  });
}

async function post(url, sdp) {
  let response;
  try {
    response = await fetch(url, {
      method: "POST",
      headers: { "Content-Type": SDP, Accept: SDP },
      body: sdp,
      credentials: "same-origin",
    });
  } catch {
    throw new ApiError(t("error.network"), { code: "network" });
  }
  if (response.status !== 201) throw problemOf(response, await response.json().catch(() => null));
  return response;
}

/**
 * What went wrong, in the page's language: `kind` is "publish" or "watch". Refusals the
 * server explains in its own words (a bad offer) carry its message.
 */
export function stageProblem(error, kind) {
  const status = error.status || 0;
  if (status === 401) return t("stage.error.signIn");
  if (status === 403 && kind !== "publish" && error.details?.reason === "registration_required") {
    return t("stage.error.registerFirst");
  }
  if (status === 403) return t(kind === "publish" ? "stage.error.mayNotPublish" : "stage.error.mayNotWatch");
  if (status === 404) return t("stage.error.notFound");
  if (status >= 400 && status < 500) return t("stage.error.refused", { message: error.message });
  if (status >= 500) return t("stage.error.server", { status });
  if (error.code === "network") return t("stage.error.network");
  return t("stage.error.webrtc", { message: error.message });
}

window.addEventListener("pagehide", () => {
  for (const link of [...open]) link.stop();
});
