import { Link } from 'react-router';
import { useDocumentTitle } from '../lib/hooks';

export default function AboutPage() {
  useDocumentTitle('About');
  return (
    <div className="page prose">
      <h1>About SyftHub</h1>
      <p className="lead">
        SyftHub is a home for AI endpoints: people publish models and data sources that run on their own
        infrastructure, and others discover them, chat with them and build on them.
      </p>
      <h2>Data stays with its owner</h2>
      <p>
        Endpoints run on their owners’ satellites. The hub keeps their description and, acting as an identity
        provider, signs short-lived tokens so a satellite can check who is asking without calling home. Owners
        decide who may use their endpoints, and their policies travel with every request.
      </p>
      <h2>Answers you can check</h2>
      <p>
        Chat fans a question out to the data sources you pick, ranks what comes back, and asks a model to
        answer with citations. Every cited sentence links back to the document it came from.
      </p>
      <h2>Open by design</h2>
      <p>
        The hub, its SDKs and its command-line tools are open source. You can run a satellite, publish from
        the browser, or connect an AI assistant over MCP — see <Link to="/build">Build</Link>.
      </p>
      <h2 id="terms">Terms and privacy</h2>
      <p>
        By creating an account you agree to use the hub lawfully and to respect the policies that publishers
        attach to their endpoints. We store your account details and what you publish; questions you ask in
        chat go to the aggregator and to the endpoints you select.
      </p>
    </div>
  );
}
