import { S3ControlClient, type S3ControlClientConfig } from "@aws-sdk/client-s3-control";

/**
 * S3 Control's client as the runner builds it. S3 Control's endpoint rules put the account id in
 * front of the host (`123456789012.s3-control.…`), which a local emulator's address
 * (AWS_ENDPOINT_URL: the sandbox, moto) cannot take: with an explicit endpoint URL the calls go to
 * that endpoint as given. Without one (AWS), the SDK's own rules decide, unchanged.
 */
export class VigilS3ControlClient extends S3ControlClient {
  constructor(config: S3ControlClientConfig & { region: string }) {
    const { endpoint } = config;
    super(
      typeof endpoint === "string"
        ? { ...config, endpointProvider: () => ({ url: new URL(endpoint) }) }
        : config,
    );
  }
}
