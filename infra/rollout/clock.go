package rollout

import "time"

// Clock is the controller's time: what time it is and how it waits.
// Everything the controller decides by time (windows, the ingestion
// delay, the progress deadline, pauses between metric reads) goes through
// its Clock, so that a test can run a rollout on simulated time whatever
// the load of the machine.
type Clock interface {
	Now() time.Time
	// After returns a channel that receives the time once d has passed.
	After(d time.Duration) <-chan time.Time
}

// realClock is the wall clock.
type realClock struct{}

func (realClock) Now() time.Time                         { return time.Now() }
func (realClock) After(d time.Duration) <-chan time.Time { return time.After(d) }
