// A 1:1 video call between the two people of a private room (a visitor and a stand's staff
// member): WebRTC from browser to browser, the room socket carrying only the signalling
// (`call.signal`, server/rooms/calls.py). No media goes through the server, unless a TURN
// relay is needed; the STUN/TURN servers, with this person's TURN credentials, come from
// GET /api/v1/rtc/ice-servers.
//
// The side that calls makes up the call's id and sends an offer; the other rings until it
// answers (an answer), declines, or the caller gives up (a hangup, with its reason). Both send
// their ICE candidates as they find them; ones that arrive before the offer is applied wait.
// If both call at once, the call with the smaller id goes on and the other side answers it.
// A tab holds one call at a time: a second caller hears "busy".
//
// `state` is "idle", "calling" (my offer is out), "ringing" (theirs is in), "connecting",
// "live" or "ended" (with `reason` and `endedBy`: "me" or "them"); every change is a
// `change` event.

import { getJSON, paths, serverNow } from "./api.js";
import { openDevices } from "./devices.js";

const RING_MS = 45_000; // a call nobody answers ends as "unanswered"
const STALE_MS = 30_000; // an offer older than this (replayed after a reconnect) rings no more
const LOST_MS = 15_000; // a connection disconnected this long has failed

let current = null; // the tab's call that is not idle or ended

/** Why my camera or microphone could not be opened (`cause`: what getUserMedia threw). */
class DeviceFailure extends Error {
  constructor(cause) {
    super(cause.message);
    this.cause = cause;
  }
}

/** A fresh call id: letters, digits and dashes, as the server wants them. */
function newId() {
  return crypto.randomUUID();
}

export class Call extends EventTarget {
  /** `send(data)` sends one `call.signal` to the room; `me()` is my user id. */
  constructor({ send, me }) {
    super();
    this.send = send;
    this.me = me;
    this.reset();
  }

  reset() {
    this.state = "idle";
    this.id = null;
    this.reason = null;
    this.endedBy = null;
    this.error = null;
    this.offer = null;
    this.pending = [];
    this.pc = null;
    this.localStream = null;
    this.remoteStream = null;
    this.startedAt = null;
    this.endedAt = null;
    this.micOn = true;
    this.cameraOn = true;
    clearTimeout(this.timer);
    this.timer = null;
  }

  get busy() {
    return !["idle", "ended"].includes(this.state);
  }

  /** Call the other person. */
  async start() {
    if (this.busy) return;
    if (current && current !== this) {
      this.finish("busy", "me");
      return;
    }
    this.reset();
    this.id = newId();
    this.set("calling");
    current = this;
    const id = this.id;
    try {
      await this.connect();
      if (this.id !== id) return; // hung up meanwhile
      await this.pc.setLocalDescription(await this.pc.createOffer());
      if (this.id !== id) return;
      this.signal("offer", { sdp: this.pc.localDescription.sdp });
      this.timer = setTimeout(() => this.giveUp(id), RING_MS);
    } catch (error) {
      if (this.id === id) this.fail(error);
    }
  }

  /** Answer the call that is ringing. */
  async accept() {
    if (this.state !== "ringing") return;
    const id = this.id;
    clearTimeout(this.timer);
    this.set("connecting");
    try {
      await this.connect();
      if (this.id !== id) return;
      await this.pc.setRemoteDescription({ type: "offer", sdp: this.offer });
      await this.flush();
      await this.pc.setLocalDescription(await this.pc.createAnswer());
      if (this.id !== id) return;
      this.signal("answer", { sdp: this.pc.localDescription.sdp });
    } catch (error) {
      if (this.id === id) this.fail(error);
    }
  }

  decline() {
    if (this.state !== "ringing") return;
    this.signal("hangup", { reason: "declined" });
    this.finish("declined", "me");
  }

  /** Cancel the call I made, or end the one under way. */
  hangUp() {
    if (!this.busy) return;
    if (this.state === "ringing") return this.decline();
    this.signal("hangup", { reason: "ended" });
    this.finish("ended", "me");
  }

  /** Forget how the last call ended. */
  dismiss() {
    if (this.state === "ended") {
      this.reset();
      this.emit();
    }
  }

  toggleMic() {
    this.micOn = !this.micOn;
    for (const track of this.localStream?.getAudioTracks() ?? []) track.enabled = this.micOn;
    this.emit();
  }

  toggleCamera() {
    this.cameraOn = !this.cameraOn;
    for (const track of this.localStream?.getVideoTracks() ?? []) track.enabled = this.cameraOn;
    this.emit();
  }

  /** One `call.signal` pushed to the room (mine come back too: only another tab's matter). */
  receive(message) {
    if (message.from === this.me()) {
      // Another tab of mine answered or declined the call ringing here: it rings no more.
      if (this.state === "ringing" && message.call === this.id && ["answer", "hangup"].includes(message.kind)) {
        clearTimeout(this.timer);
        if (current === this) current = null;
        this.reset();
        this.emit();
      }
      return;
    }
    const { kind, call } = message;
    if (kind === "offer") return this.offered(message);
    if (call !== this.id) return; // an older call's, or another tab's
    if (kind === "answer" && this.state === "calling") return this.answered(message.sdp);
    if (kind === "candidate" && message.candidate) return this.candidate(message.candidate);
    if (kind === "hangup") {
      const reason = message.reason || "ended";
      // A caller who gives up leaves a missed call; one who hears busy, a busy line.
      this.finish(this.state === "ringing" ? "missed" : reason, "them");
    }
  }

  // --- the steps ------------------------------------------------------------------------------

  offered(message) {
    if (serverNow() - Date.parse(message.at) > STALE_MS) return;
    if (this.state === "calling" && message.call > this.id) return; // they answer mine instead
    if (this.state === "calling" && message.call < this.id) {
      // Both called at once: theirs goes on, and it is answered at once (I was calling anyway).
      this.closePeer();
      this.id = message.call;
      this.offer = message.sdp;
      this.pending = [];
      this.state = "ringing";
      this.accept();
      return;
    }
    if (this.busy || (current && current !== this)) {
      if (message.call !== this.id) this.send({ kind: "hangup", call: message.call, reason: "busy" });
      return;
    }
    this.reset();
    this.id = message.call;
    this.offer = message.sdp;
    current = this;
    this.set("ringing");
    // Nobody answers: the caller gives up by then, but a lost hangup must not ring forever.
    const id = this.id;
    this.timer = setTimeout(() => this.id === id && this.state === "ringing" && this.finish("missed", "them"),
      RING_MS + 5000);
  }

  async answered(sdp) {
    clearTimeout(this.timer);
    this.set("connecting");
    const id = this.id;
    try {
      await this.pc.setRemoteDescription({ type: "answer", sdp });
      await this.flush();
    } catch (error) {
      if (this.id === id) this.fail(error);
    }
  }

  async candidate(candidate) {
    if (!this.pc || !this.pc.remoteDescription) {
      this.pending.push(candidate);
      return;
    }
    try {
      await this.pc.addIceCandidate(candidate);
    } catch {
      // A candidate the browser cannot use (another network family, say): the others may do.
    }
  }

  async flush() {
    const waiting = this.pending;
    this.pending = [];
    for (const candidate of waiting) await this.candidate(candidate);
  }

  /** My camera and microphone, and the peer connection carrying them. */
  async connect() {
    const opening = this.localStream ? Promise.resolve(this.localStream) : openDevices().catch((error) => {
      throw new DeviceFailure(error);
    });
    const [stream, ice] = await Promise.all([opening, getJSON(paths.iceServers())]);
    if (!this.busy) {
      stream.getTracks().forEach((track) => track.stop());
      return;
    }
    this.localStream = stream;
    this.emit();
    const pc = new RTCPeerConnection({ iceServers: ice.ice_servers });
    this.pc = pc;
    for (const track of stream.getTracks()) pc.addTrack(track, stream);
    pc.onicecandidate = ({ candidate }) => {
      if (candidate && this.pc === pc) this.signal("candidate", { candidate: candidate.toJSON() });
    };
    pc.ontrack = ({ streams, track }) => {
      this.remoteStream = streams[0] || new MediaStream([track]);
      this.emit();
    };
    pc.onconnectionstatechange = () => this.pc === pc && this.connectionChanged(pc.connectionState);
  }

  connectionChanged(state) {
    clearTimeout(this.lost);
    if (state === "connected" && this.state === "connecting") {
      this.startedAt = Date.now();
      this.set("live");
    } else if (state === "failed") {
      this.signal("hangup", { reason: "failed" });
      this.finish("failed", "me");
    } else if (state === "disconnected") {
      const id = this.id;
      this.lost = setTimeout(() => {
        if (this.id === id && this.pc?.connectionState === "disconnected") this.connectionChanged("failed");
      }, LOST_MS);
    }
    this.emit();
  }

  giveUp(id) {
    if (this.id !== id || this.state !== "calling") return;
    this.signal("hangup", { reason: "unanswered" });
    this.finish("unanswered", "me");
  }

  /** The call could not be made: my devices (`error` is then what the browser said), or else. */
  fail(error) {
    const devices = error instanceof DeviceFailure;
    this.error = devices ? error.cause : error;
    this.signal("hangup", { reason: "failed" });
    this.finish(devices ? "devices" : "failed", "me");
  }

  signal(kind, data = {}) {
    if (!this.id) return;
    this.send({ kind, call: this.id, ...data }).catch(() => {
      // The socket is down: the other side sees the connection fail, and ends the call too.
    });
  }

  finish(reason, by) {
    if (!this.busy && reason !== "busy") return;
    clearTimeout(this.timer);
    clearTimeout(this.lost);
    this.closePeer();
    for (const track of this.localStream?.getTracks() ?? []) track.stop();
    const error = this.error;
    const startedAt = this.startedAt;
    this.reset();
    this.state = "ended";
    this.reason = reason;
    this.endedBy = by;
    this.error = error;
    this.startedAt = startedAt;
    this.endedAt = Date.now();
    if (current === this) current = null;
    this.emit();
  }

  closePeer() {
    if (!this.pc) return;
    this.pc.onicecandidate = this.pc.ontrack = this.pc.onconnectionstatechange = null;
    this.pc.close();
    this.pc = null;
    this.remoteStream = null;
  }

  set(state) {
    this.state = state;
    this.emit();
  }

  emit() {
    this.dispatchEvent(new Event("change"));
  }
}

/** "1:05": how long a call has lasted, from `startedAt` to `until` (ms). */
export function duration(startedAt, until = Date.now()) {
  const seconds = Math.max(0, Math.floor((until - startedAt) / 1000));
  const rest = String(seconds % 60).padStart(2, "0");
  return seconds >= 3600
    ? `${Math.floor(seconds / 3600)}:${String(Math.floor(seconds / 60) % 60).padStart(2, "0")}:${rest}`
    : `${Math.floor(seconds / 60)}:${rest}`;
}

// Leaving the page ends the call for the other side at once, not after the connection times out.
addEventListener("pagehide", () => current?.hangUp());
