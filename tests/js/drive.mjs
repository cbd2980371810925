// Drives the official AWS SDK for JavaScript v3 against an endpoint (the
// emulator in our tests) and reports what the JS SDK saw as JSON lines on
// stdout, so that tests/emulator/test_js_interop.py can assert on it.
//
// Usage: node drive.mjs '<json job>'
//
// The job: {
//   "operation": "standard" | "medical" | "call-analytics" | "scribe",
//   "endpoint": "https://127.0.0.1:PORT", "region": "us-east-1",
//   "accessKeyId": "...", "secretAccessKey": "...",
//   "audio": "/path/to/file.pcm" (raw s16le PCM), "sampleRate": 16000,
//   "channels": 1, "chunkBytes": 3200, "paceMs": 100 (0 = unpaced),
//   "sessionId": optional, "endOfSession": true (scribe only)
// }
//
// Lines written: {"kind": "headers", ...} once the response arrives,
// {"kind": "event", "type": "<union member>", "value": {...}} per output
// event, then {"kind": "end", "sentBytes": N} or
// {"kind": "error", "name": ..., "message": ..., "status": ...}.
// The exit status is 0 either way: the outcome is in the lines.
// The CA is trusted through NODE_EXTRA_CA_CERTS, as a user would.

import { readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import {
  TranscribeStreamingClient,
  StartStreamTranscriptionCommand,
  StartMedicalStreamTranscriptionCommand,
  StartCallAnalyticsStreamTranscriptionCommand,
  StartMedicalScribeStreamCommand,
  GetMedicalScribeStreamCommand,
} from "@aws-sdk/client-transcribe-streaming";

const job = JSON.parse(process.argv[2]);

function emit(line) {
  process.stdout.write(JSON.stringify(line) + "\n");
}

let sentBytes = 0;

async function* audioChunks() {
  const audio = readFileSync(job.audio);
  const size = job.chunkBytes ?? 3200;
  for (let offset = 0; offset < audio.length; offset += size) {
    const chunk = audio.subarray(offset, Math.min(offset + size, audio.length));
    sentBytes += chunk.length;
    yield chunk;
    if (job.paceMs) await sleep(job.paceMs);
  }
}

async function* audioStream() {
  for await (const chunk of audioChunks()) {
    yield { AudioEvent: { AudioChunk: chunk } };
  }
}

async function* callAnalyticsStream() {
  yield {
    ConfigurationEvent: {
      ChannelDefinitions: [
        { ChannelId: 0, ParticipantRole: "AGENT" },
        { ChannelId: 1, ParticipantRole: "CUSTOMER" },
      ],
    },
  };
  yield* audioStream();
}

async function* scribeStream() {
  yield {
    ConfigurationEvent: {
      ResourceAccessRoleArn: "arn:aws:iam::111122223333:role/HealthScribeAccess",
      PostStreamAnalyticsSettings: {
        ClinicalNoteGenerationSettings: { OutputBucketName: "amzn-s3-demo-bucket" },
      },
    },
  };
  for await (const chunk of audioChunks()) {
    yield { AudioEvent: { AudioChunk: chunk } };
  }
  if (job.endOfSession !== false) {
    yield { SessionControlEvent: { Type: "END_OF_SESSION" } };
  }
}

function command() {
  const common = {
    MediaSampleRateHertz: job.sampleRate ?? 16000,
    MediaEncoding: "pcm",
  };
  if (job.sessionId) common.SessionId = job.sessionId;
  switch (job.operation) {
    case "standard":
      return [
        new StartStreamTranscriptionCommand({
          ...common,
          LanguageCode: "en-US",
          AudioStream: audioStream(),
        }),
        "TranscriptResultStream",
      ];
    case "medical":
      return [
        new StartMedicalStreamTranscriptionCommand({
          ...common,
          LanguageCode: "en-US",
          Specialty: "PRIMARYCARE",
          Type: "CONVERSATION",
          AudioStream: audioStream(),
        }),
        "TranscriptResultStream",
      ];
    case "call-analytics":
      return [
        new StartCallAnalyticsStreamTranscriptionCommand({
          ...common,
          LanguageCode: "en-US",
          AudioStream: callAnalyticsStream(),
        }),
        "CallAnalyticsTranscriptResultStream",
      ];
    case "scribe":
      return [
        new StartMedicalScribeStreamCommand({
          ...common,
          LanguageCode: "en-US",
          InputStream: scribeStream(),
        }),
        "ResultStream",
      ];
    default:
      throw new Error(`unknown operation ${job.operation}`);
  }
}

function plain(value) {
  // Dates and Uint8Arrays as JSON can read them.
  return JSON.parse(
    JSON.stringify(value, (key, v) => (v instanceof Uint8Array ? Buffer.from(v).toString("base64") : v)),
  );
}

async function main() {
  const client = new TranscribeStreamingClient({
    region: job.region,
    endpoint: job.endpoint,
    credentials: { accessKeyId: job.accessKeyId, secretAccessKey: job.secretAccessKey },
    maxAttempts: 1,
  });
  try {
    const [cmd, streamMember] = command();
    const response = await client.send(cmd);
    const headers = { ...response };
    delete headers[streamMember];
    emit({ kind: "headers", value: plain(headers) });
    for await (const event of response[streamMember]) {
      const type = Object.keys(event).find((key) => event[key] !== undefined);
      emit({ kind: "event", type, value: plain(event[type]) });
    }
    emit({ kind: "end", sentBytes });
    if (job.operation === "scribe" && job.getAfter) {
      const details = await client.send(
        new GetMedicalScribeStreamCommand({ SessionId: response.SessionId }),
      );
      emit({ kind: "details", value: plain(details.MedicalScribeStreamDetails) });
    }
  } catch (error) {
    emit({
      kind: "error",
      name: error?.name,
      message: error?.message,
      status: error?.$metadata?.httpStatusCode ?? null,
      sentBytes,
    });
  } finally {
    client.destroy();
  }
}

await main();
