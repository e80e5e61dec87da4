import Keeper
import Strategies

/// The strategy kinds this `keeper` binary can run, by their `kind` value in `keeper.toml`.
/// Each strategy's module adds its kind here when it lands.
enum StrategyKinds {
    nonisolated(unsafe) static let all: StrategyRegistry = .of([
        AaveProtectionKind.self, MarketResolutionKind.self, DriftReceiptsKind.self, EmissionMintingKind.self,
        TWAPPushKind.self,
    ])
}
