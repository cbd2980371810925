// Runs on the audio thread: turns the microphone's float samples (at the
// AudioContext's rate, often 48 kHz) into 16 kHz signed 16-bit PCM, and posts
// one 100 ms chunk at a time to the page.
class PcmWorklet extends AudioWorkletProcessor {
  constructor(options) {
    super();
    this.targetRate = options.processorOptions.targetRate;
    this.step = sampleRate / this.targetRate; // input samples per output sample
    this.position = 0; // where the next output sample falls in the input
    this.chunk = new Int16Array(this.targetRate / 10);
    this.filled = 0;
  }

  process(inputs) {
    const channel = inputs[0] && inputs[0][0];
    if (!channel) return true;
    // Linear interpolation between neighbouring input samples; the previous
    // block's last sample is kept so that no output sample is skipped.
    const samples = this.last === undefined ? channel : Float32Array.of(this.last, ...channel);
    const offset = this.last === undefined ? 0 : 1;
    while (this.position + offset + 1 < samples.length) {
      const at = this.position + offset;
      const index = Math.floor(at);
      const fraction = at - index;
      const value = samples[index] * (1 - fraction) + samples[index + 1] * fraction;
      this.chunk[this.filled++] = Math.max(-32768, Math.min(32767, Math.round(value * 32767)));
      if (this.filled === this.chunk.length) {
        this.port.postMessage(this.chunk.buffer.slice(0));
        this.filled = 0;
      }
      this.position += this.step;
    }
    this.position -= channel.length;
    this.last = channel[channel.length - 1];
    return true;
  }
}

registerProcessor("pcm-worklet", PcmWorklet);
