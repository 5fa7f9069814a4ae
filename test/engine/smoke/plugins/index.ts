// The two provider plugins the project builds in setup, used the way a
// Pulumi program would: a keepalived-style VRRP password from
// random.RandomPassword (8 characters, letters and digits only), handed to a
// command.local.Command through its environment, never its command line.
import * as command from "@pulumi/command";
import * as random from "@pulumi/random";

const password = new random.RandomPassword("auth-pass", { length: 8, special: false });

const length = new command.local.Command("length", {
  create: 'printf %s "$AUTH_PASS" | wc -c',
  environment: { AUTH_PASS: password.result },
  // A new password re-runs the command.
  triggers: [password.result],
});

export const authPass = password.result; // secret: RandomPassword marks `result` secret
export const measured = length.stdout;
export const commandId = length.id;
export const passwordId = password.id;
