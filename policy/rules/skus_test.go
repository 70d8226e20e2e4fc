package rules

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/misybot/platform/components/servicebus"
)

func TestServiceBusTierIsTheComponents(t *testing.T) {
	assert.Equal(t, string(servicebus.SkuPremium), serviceBusPremium)
}
