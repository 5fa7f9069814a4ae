// The connection block of a resource's Args: ConnectionArgs (transport/types.ts)
// with every field a pulumi.Input, so `{ host: vm.publicIp }` type-checks. The
// engine resolves the nested Inputs: the providers receive plain ConnectionArgs.
import type * as pulumi from "@pulumi/pulumi";

/** How to reach a host over SSH; every field may be a `pulumi.Input` (an Output of another resource). */
export interface ConnectionInput {
  /** Address or name to connect to. Required. */
  host: pulumi.Input<string>;
  /** SSH port. Default 22. */
  port?: pulumi.Input<number>;
  /** Login user. Default "root"; other users need `sudo`. */
  user?: pulumi.Input<string>;
  /** Private key (PEM/OpenSSH text). Keep it secret: pass a `pulumi.secret`. Not with privateKeyPath. Default: none. */
  privateKey?: pulumi.Input<string>;
  /**
   * A private key file, read on the machine running pulumi (in the provider process) at connect time; a leading `~/` is
   * the home directory. Not with privateKey. Default: none.
   */
  privateKeyPath?: pulumi.Input<string>;
  /** Passphrase of the private key. Default: none (the key is not encrypted). */
  privateKeyPassphrase?: pulumi.Input<string>;
  /** Password authentication. Default: none (no password is offered). */
  password?: pulumi.Input<string>;
  /** ssh-agent socket path. Default: SSH_AUTH_SOCK when no key or password is given. */
  agent?: pulumi.Input<string>;
  /**
   * The host key pin as OpenSSH prints it (`SHA256:...`). A different key is refused. Default: none: the host is refused unless
   * trustOnFirstUse is true.
   */
  hostKeySha256?: pulumi.Input<string>;
  /** Accept any host key when no pin is given. Default false: an unpinned host is refused. */
  trustOnFirstUse?: pulumi.Input<boolean>;
  /** Connect through this host (like ssh -J). Default: none (connect directly). */
  jump?: pulumi.Input<ConnectionInput>;
  /** Run commands through `sudo -n` (for a non-root user). Default: true when user is not root. */
  sudo?: pulumi.Input<boolean>;
  /** Time to establish the connection, ms. Default 20000. */
  connectTimeoutMs?: pulumi.Input<number>;
  /** Attempts on network errors (never on authentication errors). Default 4. */
  retries?: pulumi.Input<number>;
  /** SSH keepalive interval, ms. Default 15000. */
  keepaliveIntervalMs?: pulumi.Input<number>;
}
