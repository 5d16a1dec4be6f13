// Reading a badge's QR code with the camera, for the door page — only where the browser has
// BarcodeDetector (Chromium on Android, macOS and ChromeOS; not every desktop). Typing or
// pasting the code, or a hand scanner that types it, stays the main path.

/** The same badge held in front of the camera is read once, not on every frame. */
const SAME_CODE_MS = 4000;
const FRAME_MS = 250;

export function canScan() {
  return "BarcodeDetector" in window && Boolean(navigator.mediaDevices?.getUserMedia);
}

/**
 * Show the back camera in `video` and call `onCode(text)` for each QR code it reads.
 * Resolves to a function that stops the camera; rejects when the camera cannot start.
 */
export async function startScanning(video, onCode) {
  const detector = new window.BarcodeDetector({ formats: ["qr_code"] });
  const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } });
  let stopped = false;
  let last = { code: "", at: 0 };
  const stop = () => {
    stopped = true;
    for (const track of stream.getTracks()) track.stop();
    video.srcObject = null;
  };
  try {
    video.srcObject = stream;
    await video.play();
  } catch (error) {
    stop();
    throw error;
  }
  async function look() {
    if (stopped) return;
    try {
      const [found] = await detector.detect(video);
      const now = Date.now();
      if (found && (found.rawValue !== last.code || now - last.at > SAME_CODE_MS)) {
        last = { code: found.rawValue, at: now };
        onCode(found.rawValue);
      }
    } catch {
      // A frame that could not be read (the video not ready yet): try the next one.
    }
    setTimeout(look, FRAME_MS);
  }
  look();
  return stop;
}
