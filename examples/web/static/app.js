// The page: microphone -> 16 kHz PCM chunks -> relay or direct WebSocket;
// results -> partial redrawn in place, finals appended.
const SAMPLE_RATE = 16000;
const $ = (id) => document.getElementById(id);
let session = null;

function setStatus(text) { $("status").textContent = text; }
function showError(text) { $("error").textContent = text; }

function showResult(isPartial, text) {
  if (isPartial) {
    $("partial").textContent = text;
  } else {
    $("partial").textContent = "";
    $("finals").textContent = ($("finals").textContent + " " + text).trim();
  }
}

async function openMicrophone(onChunk) {
  const media = await navigator.mediaDevices.getUserMedia({ audio: { channelCount: 1 } });
  // Asking for a 16 kHz context lets the browser resample with its own
  // filters; the worklet resamples whatever rate it gets all the same.
  let context;
  try {
    context = new AudioContext({ sampleRate: SAMPLE_RATE });
  } catch (error) {
    context = new AudioContext();
  }
  await context.audioWorklet.addModule("/static/pcm-worklet.js");
  const source = context.createMediaStreamSource(media);
  const worklet = new AudioWorkletNode(context, "pcm-worklet", {
    processorOptions: { targetRate: SAMPLE_RATE },
  });
  worklet.port.onmessage = (event) => onChunk(event.data);
  source.connect(worklet);
  return () => {
    worklet.port.onmessage = null;
    source.disconnect();
    media.getTracks().forEach((track) => track.stop());
    context.close();
  };
}

function relaySocket() {
  const socket = new WebSocket(`ws://${location.host}/relay`);
  socket.binaryType = "arraybuffer";
  socket.onmessage = (event) => {
    const message = JSON.parse(event.data);
    if (message.type === "partial" || message.type === "final") showResult(message.type === "partial", message.text);
    else if (message.type === "error") showError(message.message);
    else if (message.type === "end") setStatus("ended");
  };
  return {
    socket,
    send: (pcm) => socket.send(pcm),
    end: () => socket.send("end"),
  };
}

async function directSocket() {
  const response = await fetch("/presign");
  const body = await response.json();
  if (!response.ok) throw new Error(body.error || `presign failed (${response.status})`);
  const socket = new WebSocket(body.url);
  socket.binaryType = "arraybuffer";
  socket.onmessage = (event) => {
    let message;
    try {
      message = EventStream.decode(event.data);
    } catch (error) {
      showError(`undecodable message: ${error.message}`);
      return;
    }
    const type = message.headers[":message-type"];
    if (type === "exception") {
      const detail = JSON.parse(message.payload || "{}").Message || "";
      showError(`${message.headers[":exception-type"]}: ${detail}`);
    } else if (type === "event" && message.headers[":event-type"] === "TranscriptEvent") {
      for (const result of JSON.parse(message.payload).Transcript.Results) {
        if (result.Alternatives.length) showResult(result.IsPartial, result.Alternatives[0].Transcript);
      }
    }
  };
  socket.addEventListener("close", () => setStatus("ended"));
  return {
    socket,
    send: (pcm) => socket.send(EventStream.audioEvent(pcm)),
    // The service's end of input: an audio event with an empty chunk.
    end: () => socket.send(EventStream.audioEvent(new ArrayBuffer(0))),
  };
}

async function start() {
  const mode = document.querySelector("input[name=mode]:checked").value;
  showError("");
  $("finals").textContent = "";
  $("partial").textContent = "";
  $("sent").textContent = "0.0";
  $("start").disabled = true;
  setStatus("connecting");
  try {
    const link = mode === "relay" ? relaySocket() : await directSocket();
    await new Promise((resolve, reject) => {
      link.socket.addEventListener("open", resolve, { once: true });
      link.socket.addEventListener("error", () => reject(new Error("the WebSocket could not connect")), { once: true });
    });
    let samples = 0;
    const closeMicrophone = await openMicrophone((pcm) => {
      if (link.socket.readyState !== WebSocket.OPEN) return;
      link.send(pcm);
      samples += pcm.byteLength / 2;
      $("sent").textContent = (samples / SAMPLE_RATE).toFixed(1);
    });
    link.socket.addEventListener("close", (event) => {
      closeMicrophone();
      if (event.code !== 1000 && !$("error").textContent) showError(`connection closed (${event.code})`);
      setStatus("ended");
      $("start").disabled = false;
      $("stop").disabled = true;
    });
    session = { link, closeMicrophone };
    setStatus(`streaming (${mode})`);
    $("stop").disabled = false;
  } catch (error) {
    showError(error.message);
    setStatus("idle");
    $("start").disabled = false;
  }
}

function stop() {
  if (!session) return;
  session.closeMicrophone();
  session.link.end();
  setStatus("finishing");
  $("stop").disabled = true;
  session = null;
}

$("start").addEventListener("click", start);
$("stop").addEventListener("click", stop);
