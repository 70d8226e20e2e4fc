// Package workflows holds no code: its tests check the GitHub Actions
// workflows in .github/workflows. They lint every workflow with actionlint
// (used as a library, with shellcheck when it is installed), and check what
// actionlint cannot know about this repository: every stack a workflow names
// has a Pulumi.<stack>.yaml and every workflow that names stacks names all of
// them; every path exists; every misyinfra command and flag exists in the
// real command tree (the tests build the command and read its --help);
// permissions are the least each job needs (id-token: write exactly on the
// jobs that log in to Azure); deployments go through a GitHub environment and
// a deploy-<stack> concurrency group, with the policy pack, in the order dev,
// staging, prod, after the tests; jobs with secrets skip fork pull requests;
// actions are pinned to a version.
package workflows
