/** The microphone level: RMS of speech is about 0.02-0.3, shown on a log scale from -60 dB to 0 dB. */
export function LevelMeter({ level, label = 'Microphone level' }: { level: number; label?: string }) {
  const db = level > 0 ? 20 * Math.log10(level) : -60;
  const pct = Math.max(0, Math.min(100, ((db + 60) / 60) * 100));
  return (
    <div
      role="meter"
      aria-label={label}
      aria-valuemin={-60}
      aria-valuemax={0}
      aria-valuenow={Math.round(db)}
      style={{ height: 8, borderRadius: 4, background: 'var(--border, #ddd)', overflow: 'hidden' }}
    >
      <div
        style={{
          width: `${pct}%`,
          height: '100%',
          background: 'var(--accent, #3b82f6)',
          transition: 'width 80ms',
        }}
      />
    </div>
  );
}
