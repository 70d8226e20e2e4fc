package rules

// serviceBusPremium is the Service Bus tier the isolation rules require.
// The rules see resources as neutral property maps and import no component
// (the policy pack stays small to build); skus_test.go ties this name to
// servicebus.SkuPremium, the one place the tier is declared.
const serviceBusPremium = "Premium"
