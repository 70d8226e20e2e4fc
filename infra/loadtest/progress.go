package loadtest

import (
	"fmt"
	"io"
	"time"

	"github.com/schollz/progressbar/v3"
)

const (
	// progressTick is how often the run looks at its progress (and at
	// abort-on-fail).
	progressTick = 200 * time.Millisecond
	// progressLineEvery is the interval of progress lines in a log.
	progressLineEvery = 5 * time.Second
)

// progress reports a running test: a bar on a terminal, a line every
// progressLineEvery in a log, or nothing.
type progress interface {
	update(now time.Time, t *tally)
	describe(text string)
	finish()
}

func newProgress(p Plan, start time.Time) progress {
	switch {
	case p.Progress == nil:
		return noProgress{}
	case p.ProgressLines:
		return &lineProgress{w: p.Progress, start: start, last: start, label: string(p.Mode)}
	}
	total := int64(-1)
	if p.Mode != Stress {
		total = int64(p.profile().planned())
	}
	return &barProgress{bar: progressbar.NewOptions64(total,
		progressbar.OptionSetWriter(p.Progress),
		progressbar.OptionSetDescription(string(p.Mode)),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionSetItsString("req"),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionClearOnFinish(),
	)}
}

type noProgress struct{}

func (noProgress) update(time.Time, *tally) {}
func (noProgress) describe(string)          {}
func (noProgress) finish()                  {}

type barProgress struct{ bar *progressbar.ProgressBar }

func (b *barProgress) update(_ time.Time, t *tally) { _ = b.bar.Set64(int64(t.sent)) }
func (b *barProgress) describe(text string)         { b.bar.Describe(text) }
func (b *barProgress) finish()                      { _ = b.bar.Finish() }

// lineProgress writes one line per interval: what a CI log can hold.
type lineProgress struct {
	w           io.Writer
	start, last time.Time
	label       string
	lastSent    uint64
}

func (l *lineProgress) update(now time.Time, t *tally) {
	if now.Sub(l.last) < progressLineEvery {
		return
	}
	rate := float64(t.sent-l.lastSent) / now.Sub(l.last).Seconds()
	okShare := 0.0
	if t.sent > 0 {
		okShare = 100 * float64(t.ok) / float64(t.sent)
	}
	fmt.Fprintf(l.w, "loadtest %s: %s elapsed, %d sent (%s req/s over the last %s), %.1f%% ok, p95 %s\n",
		l.label, now.Sub(l.start).Round(time.Second), t.sent, fmtRate(rate), now.Sub(l.last).Round(time.Second), okShare,
		round(t.hist.Quantile(0.95)))
	l.last, l.lastSent = now, t.sent
}

func (l *lineProgress) describe(text string) { l.label = text }
func (l *lineProgress) finish()              {}
