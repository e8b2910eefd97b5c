/**
 * Loads the handlers as the us-east-2 copy while AWS_REGION says something else, the way the
 * offline rehearsal loads one copy per simulated region in one process.
 */
import "./env";

export const OTHER_LOCAL_REGION = "us-east-2";
Object.assign(process.env, {
  LOCAL_REGION: OTHER_LOCAL_REGION,
  PEER_REGION: "us-east-1",
  PEER_API_ORIGIN: "https://api-us-east-1.payments.example.com",
  AWS_REGION: "eu-west-1",
  AWS_DEFAULT_REGION: "eu-west-1",
});
