package main

import (
	"fmt"
	"slices"
)

// supportedRegions are the regions every configuration is linted for
// (cfn-lint's resource specifications of each region): the commercial AWS
// regions. Not China (no Cognito user pools), nor GovCloud, the ISO regions
// or the European Sovereign Cloud, which are partitions of their own.
var supportedRegions = []string{
	"af-south-1", "ap-east-1", "ap-east-2", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
	"ap-south-1", "ap-south-2", "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4",
	"ap-southeast-5", "ap-southeast-6", "ap-southeast-7", "ca-central-1", "ca-west-1",
	"eu-central-1", "eu-central-2", "eu-north-1", "eu-south-1", "eu-south-2", "eu-west-1", "eu-west-2", "eu-west-3",
	"il-central-1", "me-central-1", "me-south-1", "mx-central-1", "sa-east-1",
	"us-east-1", "us-east-2", "us-west-1", "us-west-2",
}

// regionsWithoutFunctionURLs are the supported regions where Lambda has no
// Function URLs (AWS::Lambda::Url is missing from their specifications):
// there the stack must be deployed with streamFunctionUrl=false.
var regionsWithoutFunctionURLs = []string{
	"ap-east-2", "ap-south-2", "ap-southeast-4", "ap-southeast-5", "ap-southeast-6", "ap-southeast-7",
	"ca-west-1", "eu-central-2", "eu-south-2", "il-central-1", "me-central-1", "mx-central-1",
}

// functionURLRegions are the supported regions that have Function URLs.
func functionURLRegions() []string {
	var out []string
	for _, r := range supportedRegions {
		if !slices.Contains(regionsWithoutFunctionURLs, r) {
			out = append(out, r)
		}
	}
	return out
}

// checkRegion stops a synthesis for a region (CDK_DEFAULT_REGION, which the
// CDK CLI sets from the credentials' profile; "" when unknown) that cannot
// hold the configured stack, before CloudFormation would fail half-way.
func checkRegion(cfg Config, region string) error {
	if cfg.StreamFunctionURL && slices.Contains(regionsWithoutFunctionURLs, region) {
		return fmt.Errorf("region %s has no Lambda Function URLs: deploy with -c %s=false (the stream stays available through API Gateway)",
			region, ContextStreamFunctionURL)
	}
	return nil
}
